"""Placeholder until implemented."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


county_summary = _todo
summary_xlsx = _todo
summary_csv = _todo
