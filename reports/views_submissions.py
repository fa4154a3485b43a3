"""Placeholder until implemented."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


submission_list = _todo
submission_overview = _todo
submission_detail = _todo
submission_reopen = _todo
submission_month = _todo
