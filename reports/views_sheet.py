"""Placeholder until implemented."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


status_sheet = _todo
status_sheet_xlsx = _todo
