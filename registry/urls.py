from django.contrib.auth import views as auth_views
from django.urls import path

from registry.views import accounts, children, paperwork, rollover, roster, schools, staff_import

urlpatterns = [
    path("", schools.home, name="home"),
    path("schools/", schools.school_list, name="school_list"),
    path("schools/<int:pk>/", schools.school_detail, name="school_detail"),
    path(
        "staff/<int:pk>/reset-password/",
        schools.staff_reset_password,
        name="staff_reset_password",
    ),
    path("staff/import/", staff_import.staff_import, name="staff_import"),
    path("staff/import/template.xlsx", staff_import.staff_import_template,
         name="staff_import_template"),
    path("staff/import/<int:pk>/", staff_import.staff_import_preview,
         name="staff_import_preview"),
    path("schools/<int:pk>/rollover/", rollover.school_rollover, name="school_rollover"),
    path("children/", children.child_list, name="child_list"),
    path("children/add/", children.child_add, name="child_add"),
    path("children/transfer/", children.child_transfer, name="child_transfer"),
    path("children/import/", roster.roster_import, name="roster_import"),
    path("children/import/template.xlsx", roster.roster_template, name="roster_template"),
    path("children/import/<int:pk>/", roster.roster_import_preview,
         name="roster_import_preview"),
    path("children/export.xlsx", roster.roster_export, name="roster_export"),
    path("children/<int:pk>/", children.child_detail, name="child_detail"),
    path("children/<int:pk>/edit/<slug:part>/", children.child_edit, name="child_edit"),
    path("children/<int:pk>/family/", children.child_family, name="child_family"),
    path("children/<int:pk>/consent/", children.child_consent, name="child_consent"),
    path("children/<int:pk>/exit/", children.child_exit, name="child_exit"),
    path("children/<int:pk>/reenter/", children.child_reenter, name="child_reenter"),
    path("children/<int:pk>/history/", children.child_history, name="child_history"),
    path("children/<int:pk>/card/", paperwork.child_card, name="child_card"),
    path("classes/<int:pk>/cards/", paperwork.class_cards, name="class_cards"),
    path("classes/<int:pk>/contacts/", paperwork.class_contacts, name="class_contacts"),
    path("classes/<int:pk>/contacts.xlsx", paperwork.class_contacts_xlsx,
         name="class_contacts_xlsx"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
]
