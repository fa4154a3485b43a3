"""The roster pages: upload, preview and confirm an import; the template; the export."""

import io

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from registry import access_detail, forms, roster, selectors, services
from registry.models import AccessLog, PendingUpload
from reports.exporters import XLSX_TYPE


class RosterUploadForm(django_forms.Form):
    file = django_forms.FileField(
        label=gettext_lazy("Roster file"), allow_empty_file=True,
        help_text=gettext_lazy("An .xlsx file (Excel or WPS) or a .csv file."),
    )

    def clean_file(self):
        """Read the file now, so a file that is not a roster is refused before it is
        stored; the preview reads it again."""
        upload = self.cleaned_data["file"]
        try:
            roster.check_size(upload.size)
            self.content = upload.read()
            roster.read_roster(self.content)
        except roster.RosterFileError as error:
            raise django_forms.ValidationError(error.message) from None
        return upload


def _assert_has_school(user):
    """An import goes into the importer's own school; an account without one has none."""
    if user.school_id is None:
        raise PermissionDenied


@login_required
@permission_required("registry.import_roster", raise_exception=True)
@require_http_methods(["GET", "POST"])
def roster_import(request):
    _assert_has_school(request.user)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = services.pending_upload_store(
            user=request.user, school=request.user.school, kind=PendingUpload.Kind.ROSTER,
            filename=form.cleaned_data["file"].name, content=form.content,
        )
        return redirect("roster_import_preview", pk=upload.pk)
    return render(request, "registry/roster_import.html", {
        "form": form, "max_rows": roster.max_rows(), "max_size": roster.max_size_label(),
    })


def _live_upload(request, pk, lock=False):
    uploads = PendingUpload.objects.live_for(request.user).filter(kind=PendingUpload.Kind.ROSTER)
    if lock:
        uploads = uploads.select_for_update()
    return get_object_or_404(uploads, pk=pk)


@login_required
@permission_required("registry.import_roster", raise_exception=True)
@require_http_methods(["GET", "POST"])
@never_cache
def roster_import_preview(request, pk):
    """GET: a dry run of the whole import. POST: the import itself, all or nothing; a
    POST with ``discard`` drops the upload."""
    _assert_has_school(request.user)
    upload = _live_upload(request, pk)
    if request.method == "POST" and "discard" in request.POST:
        services.pending_upload_discard(upload=upload)
        return redirect("roster_import")
    try:
        dataset = roster.read_roster(bytes(upload.content))
    except roster.RosterFileError as error:
        services.pending_upload_discard(upload=upload)
        messages.error(request, error.message)
        return redirect("roster_import")
    if request.method == "POST":
        with transaction.atomic():
            upload = _live_upload(request, pk, lock=True)
            report = services.roster_import(actor=request.user, dataset=dataset,
                                            filename=upload.filename)
            if not report.has_errors:
                services.pending_upload_discard(upload=upload)
        if not report.has_errors:
            messages.success(request, _("Roster imported. %(summary)s")
                             % {"summary": report.summary()})
            return redirect("child_list")
        messages.error(request, _("Nothing was imported: the rows below have errors."))
    else:
        report = services.roster_import(actor=request.user, dataset=dataset,
                                        filename=upload.filename, dry_run=True)
    return render(request, "registry/roster_import_preview.html", {
        "upload": upload, "report": report, "counts": report.counts,
        "changes": [r for r in report.rows if r.action in (roster.CREATE, roster.UPDATE,
                                                          roster.TRANSFER)],
        "unchanged": [r for r in report.rows if r.action == roster.UNCHANGED],
    })


@login_required
@permission_required("registry.import_roster", raise_exception=True)
@require_GET
def roster_template(request):
    buffer = io.BytesIO()
    roster.write_template(buffer)
    filename = _("roster template") + ".xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


@login_required
@permission_required("registry.export_roster", raise_exception=True)
@require_GET
def roster_export(request):
    """The children of the child list, with its filters, in the roster's columns."""
    form = forms.ChildFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    children = roster.with_roster_family(selectors.child_list(request.user, filters))
    exporter = roster.RosterExporter(
        children, full_id_numbers=roster.export_shows_full_id_number(request.user),
        place=str(request.user.place or ""),
    )
    response = exporter.xlsx_response()
    services.access_log_record(
        user=request.user, action=AccessLog.Action.EXPORT, school=request.user.school,
        detail=access_detail.roster_export(filters), rows=exporter.count,
    )
    return response
