from django.urls import path

from interventions import (
    views,
    views_calendar,
    views_concerns,
    views_logs,
    views_plans,
    views_week,
)

urlpatterns = [
    path("week/", views_week.my_week, name="my_week"),
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
    path("concerns/", views_concerns.concern_list, name="concern_list"),
    path("children/<int:pk>/concerns/add/", views_concerns.concern_add, name="concern_add"),
    path("concerns/<int:pk>/", views_concerns.concern_detail, name="concern_detail"),
    path("concerns/<int:pk>/edit/", views_concerns.concern_edit, name="concern_edit"),
    path("concerns/<int:pk>/follow-up/", views_concerns.concern_follow_up,
         name="concern_follow_up"),
    path("concerns/<int:pk>/acknowledge/", views_concerns.concern_acknowledge,
         name="concern_acknowledge"),
    path("help-plans/", views_plans.help_plan_list, name="help_plan_list"),
    path("children/<int:pk>/help-plans/add/", views_plans.help_plan_add, name="help_plan_add"),
    path("help-plans/<int:pk>/edit/", views_plans.help_plan_edit, name="help_plan_edit"),
]
