from django.contrib.auth import views as auth_views
from django.urls import path

from registry.views import accounts, children, schools

urlpatterns = [
    path("", schools.home, name="home"),
    path("schools/", schools.school_list, name="school_list"),
    path("schools/<int:pk>/", schools.school_detail, name="school_detail"),
    path(
        "staff/<int:pk>/reset-password/",
        schools.staff_reset_password,
        name="staff_reset_password",
    ),
    path("children/", children.child_list, name="child_list"),
    path("children/add/", children.child_add, name="child_add"),
    path("children/transfer/", children.child_transfer, name="child_transfer"),
    path("children/<int:pk>/", children.child_detail, name="child_detail"),
    path("children/<int:pk>/edit/<slug:part>/", children.child_edit, name="child_edit"),
    path("children/<int:pk>/family/", children.child_family, name="child_family"),
    path("children/<int:pk>/consent/", children.child_consent, name="child_consent"),
    path("children/<int:pk>/exit/", children.child_exit, name="child_exit"),
    path("children/<int:pk>/reenter/", children.child_reenter, name="child_reenter"),
    path("children/<int:pk>/history/", children.child_history, name="child_history"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
]
