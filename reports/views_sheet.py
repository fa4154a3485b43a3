"""The school's dynamic status sheet (动态状况表): the page, its print layout and its xlsx.

The rows come from ``reports.figures.status_sheet`` (the cadence engine's numbers); the
page and the export read the same query string through the same form, so the download
holds exactly the rows on screen. Every visit and every export is in the access log,
whoever opens it: the sheet lists a school's children.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from registry import services
from registry.models import AccessLog, School
from reports import figures
from reports.exports import StatusSheetExporter, change_groups
from reports.forms import StatusSheetFilterForm


def _sheet(request, pk):
    """The school (404 outside the user's place), the filter form and the sheet."""
    school = get_object_or_404(
        School.objects.for_user(request.user).select_related("township", "county"), pk=pk)
    today = timezone.localdate()
    form = StatusSheetFilterForm(request.GET or None, user=request.user, school=school,
                                 today=today)
    sheet = figures.status_sheet(request.user, school, form.period, form.filters, today)
    return school, form, sheet, today


@login_required
@permission_required("reports.view_status_sheet", raise_exception=True)
@require_GET
def status_sheet(request, pk):
    school, form, sheet, today = _sheet(request, pk)
    services.access_log_record(
        user=request.user, action=AccessLog.Action.VIEW_SHEET, school=school,
        detail=f"status sheet {form.description()}", rows=len(sheet.rows),
    )
    codes = [code for code, _label in sheet.standards]
    return render(request, "reports/status_sheet.html", {
        "school": school,
        "form": form,
        "sheet": sheet,
        # Each row's cells in the standards' order (a template cannot look up by code).
        "rows": [(row, [(code, row.cells[code]) for code in codes]) for row in sheet.rows],
        "columns": 10 + len(codes),
        "query": form.query,
        "change_groups": change_groups(sheet.changes),
        "periods": [
            {"period": choice, "query": form.query_for_period(choice.key),
             "current": choice.key == sheet.period.key}
            for choice in form.period_choices
        ],
        "chosen": form.chosen_labels(),
        "today": today,
    })


@login_required
@permission_required("reports.view_status_sheet", raise_exception=True)
@require_GET
def status_sheet_xlsx(request, pk):
    school, form, sheet, _today = _sheet(request, pk)
    exporter = StatusSheetExporter(sheet, filters_text=" · ".join(form.chosen_labels()))
    response = exporter.xlsx_response()
    services.access_log_record(
        user=request.user, action=AccessLog.Action.EXPORT, school=school,
        detail=f"status_sheet.xlsx {form.description()}", rows=exporter.count,
    )
    return response
