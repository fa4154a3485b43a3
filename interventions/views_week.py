"""The teacher's week (placeholder until implemented)."""

from django.http import Http404


def my_week(request):
    raise Http404
