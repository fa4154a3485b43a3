"""Concerns and mandatory reports (placeholder until implemented)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


concern_list = concern_add = concern_detail = concern_edit = _todo
concern_follow_up = concern_acknowledge = _todo
