from django.urls import path

from reports import views_sheet, views_submissions, views_summary

urlpatterns = [
    path("schools/<int:pk>/status/", views_sheet.status_sheet, name="status_sheet"),
    path("schools/<int:pk>/status.xlsx", views_sheet.status_sheet_xlsx,
         name="status_sheet_xlsx"),
    path("summary/", views_summary.county_summary, name="county_summary"),
    path("summary.xlsx", views_summary.summary_xlsx, name="summary_xlsx"),
    path("summary.csv", views_summary.summary_csv, name="summary_csv"),
    path("submissions/", views_submissions.submission_list, name="submission_list"),
    path("submissions/overview/", views_submissions.submission_overview,
         name="submission_overview"),
    path("submissions/<int:pk>/", views_submissions.submission_detail,
         name="submission_detail"),
    path("submissions/<int:pk>/reopen/", views_submissions.submission_reopen,
         name="submission_reopen"),
    path("submissions/month/<int:year>-<int:month>/", views_submissions.submission_month,
         name="submission_month"),
]
