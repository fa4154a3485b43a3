"""The school's dynamic status sheet (动态状况表): the page, its print layout and its xlsx.

The rows come from ``reports.figures.status_sheet`` (the cadence engine's numbers); the
page and the export read the same query string through the same form, so the download
holds exactly the rows on screen. Every visit and every export is in the access log,
whoever opens it: the sheet lists a school's children.
"""


from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from carecase import markup
from registry import access_detail, services
from registry.models import AccessLog, School
from reports import figures
from reports.exports import StatusSheetExporter, change_groups
from reports.forms import StatusSheetFilterForm

_escape = markup.escape


class SheetRows:
    """The markup of the sheet's rows (``<tr>`` … ``</tr>``, one per child), written here
    rather than by the template engine: a large school's sheet is 588 rows of 16 cells,
    which took the engine some 600 ms (two includes a row, ~30 lookups, localized
    numbers), and this about 15 ms (docs/benchmarks.md). The markup is the template's
    as it was, attribute for attribute; the strings are the templates' msgids; the
    category and concern badges are their includes', rendered once per kind
    (``markup.Include``). Every value from the database goes through ``_escape``."""

    _ROW = (
        '<tr data-testid="sheet-row" data-child="{pk}">'
        '<td class="text-nowrap">{classroom}</td>'
        '<th scope="row" class="sheet-name fw-normal text-nowrap"><a href="{url}">{name}</a></th>'
        '<td class="text-nowrap">{sex}</td>'
        '<td class="text-end">{age}</td>'
        '<td class="sheet-categories">{categories}</td>'
        '<td class="text-center" data-testid="sheet-five-clear"><span class="badge {clear_css}">'
        '{clear}/5</span></td>'
        '<td class="text-nowrap" data-testid="sheet-mentor">{mentor}</td>'
        '<td class="text-nowrap" data-testid="sheet-surrogate">{surrogate}</td>'
        '<td class="text-nowrap" data-testid="sheet-last-talk">{last_talk}</td>'
        '{cells}'
        '<td class="text-nowrap" data-testid="sheet-concerns">{concerns}</td>'
        '</tr>\n'
    )
    _CELL = (
        '<td class="text-center text-nowrap sheet-cell{css}" data-testid="sheet-cell" '
        'data-standard="{code}" data-met="{met}" data-owed="{owed}" data-overdue="{overdue}">'
        '{text}</td>'
    )
    def __init__(self, codes, today):
        self.codes = [_escape(code) for code in codes]
        self.today = today
        self.url_head, self.url_tail = markup.url_parts("child_detail")
        # Translated outside the f-strings: the catalogue's extraction does not look
        # inside them.
        none = _escape(gettext("none"))
        self.none = f'<span class="badge bg-warning-subtle text-warning-emphasis">{none}</span>'
        self.overdue = _escape(gettext("overdue"))
        # The badges are the templates' own, rendered once each.
        self.category_badges = markup.Include("registry/includes/category_badges.html")
        self.concern_badge = markup.Include("interventions/includes/concern_badge.html")
        self.classrooms = {}  # classroom id -> its name
        self.sexes = {}  # the code -> its label
        self.cells = {}  # (code, met, owed, overdue) -> the cell's markup

    def html(self, rows):
        return mark_safe("".join(self.row(row) for row in rows))  # noqa: S308 (escaped)

    def row(self, row):
        child = row.child
        return self._ROW.format(
            pk=child.pk,
            classroom=self.classroom(child),
            url=f"{self.url_head}{child.pk}{self.url_tail}",
            name=_escape(child.name),
            sex=self.sex(child),
            age="—" if row.age is None else row.age,
            categories="".join(self.badge(category) for category in row.categories)
            + (self.category_badges("pending", categories=(), pending=True)
               if child.is_away_pending else ""),
            clear_css="text-bg-success" if child.five_clear_count == 5 else "text-bg-warning",
            clear=child.five_clear_count,
            mentor=_escape(child.mentor_name) if child.mentor_name else self.none,
            surrogate=_escape(child.surrogate_name) if child.surrogate_name else "—",
            last_talk=self.last_talk(row.last_talk),
            cells="".join(self.cell(code, row.cells[code]) for code in self.codes),
            concerns=self.concerns(child),
        )

    def classroom(self, child):
        if child.classroom_id is None:
            return "—"
        name = self.classrooms.get(child.classroom_id)
        if name is None:
            name = self.classrooms[child.classroom_id] = _escape(child.classroom)
        return name

    def sex(self, child):
        label = self.sexes.get(child.sex)
        if label is None:
            label = self.sexes[child.sex] = _escape(child.get_sex_display())
        return label

    def badge(self, category):
        return self.category_badges(category, categories=(category,), pending=False)

    def last_talk(self, day):
        if not day:
            return "—"
        shown = f"{day:%m-%d}" if day.year == self.today.year else f"{day:%Y-%m-%d}"
        return f'<time datetime="{day:%Y-%m-%d}">{shown}</time>'

    def cell(self, code, cell):
        key = (code, cell.met, cell.owed, cell.overdue)
        html = self.cells.get(key)
        if html is None:
            html = self.cells[key] = self._cell(code, cell)
        return html

    def _cell(self, code, cell):
        if cell.overdue:
            css = " table-danger fw-semibold"
        elif cell.owed and cell.complete:
            css = " text-success"
        elif not cell.owed:
            css = " text-body-secondary"
        else:
            css = ""
        if cell.owed or cell.met:
            text = f"{cell.met}/{cell.owed}"
            if cell.overdue:
                text += f'<span class="visually-hidden"> {self.overdue}</span>'
        elif cell.overdue:
            text = f'<span class="small">{self.overdue}</span>'
        else:
            text = "—"
        return self._CELL.format(css=css, code=code, met=cell.met, owed=cell.owed,
                                 overdue="true" if cell.overdue else "false", text=text)

    def concerns(self, child):
        return self.concern_badge((child.serious_concern, child.open_concerns), child=child)


def _sheet(request, pk):
    """The school (404 outside the user's place), the filter form and the sheet."""
    school = get_object_or_404(
        School.objects.for_user(request.user).select_related("township", "county"), pk=pk)
    if request.user.school_id == school.pk:
        request.user.school = school  # what the page header shows: no second query
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
        detail=access_detail.status_sheet(form.period, form.filters,
                                           classrooms=form.classrooms),
        rows=len(sheet.rows),
    )
    codes = [code for code, _label in sheet.standards]
    return render(request, "reports/status_sheet.html", {
        "school": school,
        "form": form,
        "sheet": sheet,
        "rows_html": SheetRows(codes, today).html(sheet.rows),
        "row_count": len(sheet.rows),
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
        detail=access_detail.status_sheet(form.period, form.filters,
                                           classrooms=form.classrooms, xlsx=True),
        rows=exporter.count,
    )
    return response
