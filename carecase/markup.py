"""Helpers for markup written in Python rather than by the template engine, where a page
repeats one fragment hundreds of times (the status sheet's rows, the teacher's week's
cards): the templates' escaping, at a fraction of its cost."""

import html

from django.template.loader import get_template
from django.urls import reverse

# Stands for an object's id in a reversed URL.
_PK = 2_147_483_647


def escape(value):
    """The text of ``value``, escaped as the templates escape it. The standard library's:
    Django's ``escape`` gives the same text at a few times the cost (a lazy-string check
    on every call), some 20,000 times on a large sheet."""
    return html.escape(str(value))


def url_parts(name):
    """``(head, tail)``: the escaped URL named ``name`` for one object is ``head``, the
    object's id, ``tail`` — reversed once for a whole page."""
    head, tail = reverse(name, args=[_PK]).split(str(_PK))
    return escape(head), escape(tail)


class Include:
    """A small include (a badge) rendered by the template engine once per distinct
    ``key`` and then reused: the fragment stays written once, in its template, though a
    page shows it on hundreds of rows. One per page: the language is the request's."""

    def __init__(self, template_name):
        self.template = get_template(template_name)
        self.rendered = {}

    def __call__(self, key, **context):
        """The markup for ``context``, which ``key`` must tell apart from any other."""
        markup = self.rendered.get(key)
        if markup is None:
            # Without the file's final newline: the rows' cells are written without one.
            markup = self.rendered[key] = self.template.render(context).rstrip("\n")
        return markup
