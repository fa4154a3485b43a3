"""The child profile's pairings section, read by one query so the registry's view needs
no change."""

from django import template
from django.utils import timezone

from interventions import selectors

register = template.Library()


@register.inclusion_tag("interventions/includes/child_pairings.html", takes_context=True)
def child_pairings(context, child):
    return {
        "child": child,
        "pairings": list(selectors.child_pairings(child)),
        "perms": context.get("perms"),
        "csrf_token": context.get("csrf_token"),
        "today": timezone.localdate(),
    }
