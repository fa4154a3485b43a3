"""Importing a school's teachers from a spreadsheet: upload, preview, confirm, and the
new accounts' temporary passwords, shown once."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from registry import services
from registry.models import PendingUpload, School
from registry.staff_import import (
    COLUMN_HELP,
    HEADERS,
    MAX_ROWS,
    StaffUploadForm,
    staff_import_plan,
)
from reports.exporters import Exporter


def _own_school(user):
    """The staff import works on the importer's own school."""
    school = School.objects.for_user(user).filter(pk=user.school_id).first()
    if school is None:
        raise PermissionDenied
    return school


class StaffTemplate(Exporter):
    title = gettext_lazy("Staff import template")
    columns = [(header, width) for header, width in zip(HEADERS, (12, 16, 16, 30),
                                                          strict=True)]

    def rows(self):
        return iter(())


@login_required
@permission_required("registry.import_staff", raise_exception=True)
@require_http_methods(["GET", "POST"])
def staff_import(request):
    school = _own_school(request.user)
    form = StaffUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = services.pending_upload_store(
            user=request.user, school=school, kind=PendingUpload.Kind.STAFF,
            filename=form.cleaned_data["file"].name, content=form.content,
        )
        return redirect("staff_import_preview", pk=upload.pk)
    return render(request, "registry/staff_import.html", {
        "form": form, "school": school, "columns": COLUMN_HELP.items(), "max_rows": MAX_ROWS,
    })


@login_required
@permission_required("registry.import_staff", raise_exception=True)
@require_GET
def staff_import_template(request):
    _own_school(request.user)
    return StaffTemplate().xlsx_response()


@login_required
@permission_required("registry.import_staff", raise_exception=True)
@require_http_methods(["GET", "POST"])
@never_cache
def staff_import_preview(request, pk):
    upload = get_object_or_404(
        PendingUpload.objects.live_for(request.user).filter(kind=PendingUpload.Kind.STAFF),
        pk=pk,
    )
    school = School.objects.for_user(request.user).filter(pk=upload.school_id).first()
    if school is None:
        raise Http404
    if request.method == "POST" and "discard" in request.POST:
        services.pending_upload_discard(upload=upload)
        messages.info(request, _("The uploaded file has been discarded; nothing was imported."))
        return redirect("staff_import")
    error = None
    if request.method == "POST":
        try:
            imported = services.staff_import_confirm(actor=request.user, upload=upload)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            # The passwords are in this response only: never stored, never in a URL, a
            # session or a message. never_cache keeps the page out of every cache.
            return render(request, "registry/staff_import_result.html", {
                "school": school, "imported": imported, "filename": upload.filename,
                "now": timezone.localtime(),
                "login_url": request.build_absolute_uri(reverse("login")),
            })
    try:
        plan = staff_import_plan(user=request.user, school=school, content=upload.content)
    except ValidationError as exc:
        plan, error = None, " ".join(exc.messages)
    return render(request, "registry/staff_import_preview.html", {
        "upload": upload, "school": school, "plan": plan, "error": error,
    })
