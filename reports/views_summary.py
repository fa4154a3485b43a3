"""The county summary table (信息汇总表): the page, its xlsx and its CSV.

Township and bureau users see the schools of their place (``School.objects.for_user``); a
superuser picks a county (``?county=``, the first by default). The period is the query's
``period`` (``week``, ``YYYY-MM`` or ``term``). Every figure comes from
``reports.figures.county_summary``; the page adds the headline figures, the charts and
the schools that have not yet submitted this month's report.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from registry import access_detail, services
from registry.models import AccessLog, County, School
from reports import charts
from reports.exports_summary import (
    SCHOOL,
    SUBTOTAL,
    TOTAL,
    Line,
    PageCells,
    SummaryExport,
    header_groups,
    summary_columns,
)
from reports.figures import county_summary as build_summary
from reports.periods import parse_period, period_choices, term_period
from reports.submissions import schools_not_submitted

TALK = charts.TALK


class Scope:
    """Where the summary looks: the county (for the periods and terms), the schools, and
    the place named in titles (the township for a township user)."""

    def __init__(self, request):
        user = request.user
        self.counties = []
        if user.is_superuser:
            self.counties = list(County.objects.all())  # by code: the first is the default
            wanted = request.GET.get("county", "")
            self.county = next((c for c in self.counties if str(c.pk) == wanted),
                               self.counties[0] if self.counties else None)
            schools = School.objects.for_user(user)
            self.schools = (schools.filter(county=self.county) if self.county
                            else schools.none())
            self.place = self.county
        elif user.is_township:
            self.county = user.township.county
            self.schools = School.objects.for_user(user)
            self.place = user.township
        else:
            self.county = user.county
            self.schools = School.objects.for_user(user)
            self.place = user.county

    @property
    def county_id(self):
        return self.county.pk if self.county else None


def _summary(request, *, with_chart=False):
    """The scope, the summary, today and the term; ``with_chart``: the summary also
    carries the weekly talk week by week over the term (``Summary.chart``), from the
    same pass of the cadence engine as the table."""
    today = timezone.localdate()
    scope = Scope(request)
    period = parse_period(request.GET.get("period"), scope.county_id, today)
    term = term_period(scope.county_id, today) if with_chart and scope.county else None
    chart_range = charts.term_chart_range(term, today)
    summary = build_summary(request.user, scope.schools, period, today,
                            chart_range=chart_range)
    return scope, summary, today, term


def _query(scope, period, request):
    """The query string that keeps the county and the period (links, downloads)."""
    params = {"period": period.key}
    if request.user.is_superuser and scope.county is not None:
        params["county"] = scope.county.pk
    return urlencode(params)


@login_required
@permission_required("reports.view_summary", raise_exception=True)
@require_GET
def county_summary(request):
    scope, summary, today, term = _summary(request, with_chart=True)
    period = summary.period
    user = request.user
    columns = summary_columns(summary.standards, split_fractions=False)
    cells = PageCells(columns)

    def row(kind, township, school, figures):
        line = Line(kind, township, school, figures)
        link = ""
        if kind == SCHOOL:
            link = (reverse("status_sheet", args=[school.pk]) + "?"
                    + urlencode({"period": period.key}))
        return {"line": line, "cells": cells.html(figures), "link": link}

    groups = [
        {"township": group.township,
         "schools": [row(SCHOOL, group.township, line.school, line.figures)
                     for line in group.schools],
         "subtotal": row(SUBTOTAL, group.township, None, group.subtotal)}
        for group in summary.townships
    ]
    periods = period_choices(scope.county_id, today) if scope.county else []
    if period.key not in {choice.key for choice in periods}:
        periods.append(period)  # an older month, reached by a link

    month = today.replace(day=1)
    not_submitted = list(schools_not_submitted(user, scope.schools, month)
                         .select_related("township"))
    total = summary.total
    query = _query(scope, period, request)
    context = {
        "scope": scope,
        "summary": summary,
        "period": period,
        "periods": periods,
        "today": today,
        "columns": columns,
        "header_groups": header_groups(columns),
        "groups": groups,
        "total_row": row(TOTAL, None, None, summary.total),
        "group_starts": {group.first.key for group in header_groups(columns)},
        "talk_in_force": TALK in dict(summary.standards),
        "headline": {
            "registered": total.registered,
            "five_clear_rate": charts.percent(total.five_clear_rate),
            "talk_rate": charts.percent(total.rate(TALK)),
            "talk": total.compliance.get(TALK, (0, 0)),
            "open_concerns": total.open_concerns,
            "serious_concerns": total.serious_concerns,
            "not_submitted": len(not_submitted),
            "schools": len(summary.school_lines),
        },
        "month": month,
        "not_submitted": not_submitted,
        "charts": [chart for chart in (
            charts.compliance_by_school(summary),
            charts.children_by_category(total),
            # Computed with the table's figures (the same children, one engine pass).
            charts.weekly_talk_by_week(None, term, today, compliance=summary.chart),
        ) if chart is not None],
        "query": query,
        "xlsx_url": reverse("summary_xlsx") + "?" + query,
        "csv_url": reverse("summary_csv") + "?" + query,
    }
    return render(request, "reports/summary.html", context)


def _export(request, extension):
    scope, summary, today, _term = _summary(request)
    export = SummaryExport(summary, place=str(scope.place or ""), today=today)
    response = export.xlsx_response() if extension == "xlsx" else export.csv_response()
    services.access_log_record(
        user=request.user, action=AccessLog.Action.EXPORT,
        detail=access_detail.summary_export(extension, str(scope.place or ""),
                                            summary.period.start, summary.period.end),
        rows=export.count,
    )
    return response


@login_required
@permission_required("reports.view_summary", raise_exception=True)
@require_GET
def summary_xlsx(request):
    return _export(request, "xlsx")


@login_required
@permission_required("reports.view_summary", raise_exception=True)
@require_GET
def summary_csv(request):
    return _export(request, "csv")
