"""Help plans (placeholder until implemented)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


help_plan_list = help_plan_add = help_plan_edit = _todo
