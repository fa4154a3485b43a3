from django.urls import path

from interventions import views

urlpatterns = [
    path("pairings/", views.pairing_list, name="pairing_list"),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing_end"),
    path("children/<int:pk>/pairings/add/", views.child_pairing_add, name="child_pairing_add"),
    path("volunteers/", views.volunteer_list, name="volunteer_list"),
]
