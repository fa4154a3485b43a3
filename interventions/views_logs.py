"""The contact log pages: the log form a teacher opens from a child (on a phone, without
JavaScript) and the correction of a saved log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from interventions import forms, services
from interventions.models import ContactLog
from interventions.views import _form_errors_from
from registry.models import Child


def _next_url(request, child):
    """Where to go after saving: a same-site ``next`` (the teacher's week, say) or the
    child's profile."""
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return reverse("child_detail", args=[child.pk])


@login_required
@permission_required("interventions.add_contactlog", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contact_log_add(request, pk):
    child = get_object_or_404(
        Child.objects.for_user(request.user).select_related("school", "classroom"), pk=pk)
    form = forms.ContactLogForm(request.POST or None,
                                initial=forms.contact_log_prefill(request.GET))
    next_url = _next_url(request, child)
    if request.method == "POST" and form.is_valid():
        try:
            log, created = services.contact_log_record(
                actor=request.user, child=child,
                submission_token=form.cleaned_data["submission_token"],
                **form.service_fields(),
            )
        except ValidationError as error:
            _form_errors_from(error, form)
        else:
            if created:
                messages.success(request, _("Contact logged for %(name)s.")
                                 % {"name": child.name})
            else:
                messages.info(request, _("This contact was already logged; it was not "
                                         "saved twice."))
            if form.cleaned_data["raise_concern"] and request.user.has_perm(
                "interventions.add_concern"
            ):
                return redirect(reverse("concern_add", args=[child.pk]) + "?"
                                + urlencode({"log": log.pk, "next": next_url}))
            return redirect(next_url)
    return render(request, "interventions/contact_log_form.html", {
        "form": form, "child": child, "next_url": next_url, "editing": False,
        "saved_tokens": services.contact_log_recent_tokens(request.user, child),
    })


@login_required
@permission_required("interventions.change_contactlog", raise_exception=True)
@require_http_methods(["GET", "POST"])
def contact_log_edit(request, pk):
    log = get_object_or_404(
        ContactLog.objects.for_user(request.user).select_related("child", "school"), pk=pk
    )
    if not services.contact_log_may_correct(request.user, log):
        raise PermissionDenied
    form = forms.ContactLogEditForm(request.POST or None, log=log)
    next_url = _next_url(request, log.child)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_log_update(actor=request.user, log=log, **form.service_fields())
        except ValidationError as error:
            _form_errors_from(error, form)
        else:
            messages.success(request, _("Contact log corrected."))
            return redirect(next_url)
    return render(request, "interventions/contact_log_form.html", {
        "form": form, "child": log.child, "log": log, "next_url": next_url, "editing": True,
        "correctable_until": services.contact_log_correctable_until(log),
    })
