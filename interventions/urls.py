from django.urls import path

from interventions import views, views_calendar, views_logs

urlpatterns = [
    path("pairings/", views.pairing_list, name="pairing_list"),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing_end"),
    path("children/<int:pk>/pairings/add/", views.child_pairing_add, name="child_pairing_add"),
    path("volunteers/", views.volunteer_list, name="volunteer_list"),
    path("standards/", views_calendar.care_standards, name="care_standards"),
    path("standards/<slug:code>/edit/", views_calendar.care_standard_edit,
         name="care_standard_edit"),
    path("calendar/", views_calendar.term_calendar, name="term_calendar"),
    path("calendar/terms/add/", views_calendar.term_edit, name="term_add"),
    path("calendar/terms/<int:pk>/edit/", views_calendar.term_edit, name="term_edit"),
    path("children/<int:pk>/log/", views_logs.contact_log_add, name="contact_log_add"),
    path("logs/<int:pk>/edit/", views_logs.contact_log_edit, name="contact_log_edit"),
]
