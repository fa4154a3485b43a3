"""The Content-Security-Policy forbids inline script, and no page needs any: as each
role, one page of every kind (lists, details, forms, the week, the status sheet, the
summary, concerns, help plans, login, password change, the error pages, the admin)
carries the policy and holds no inline <script>, no on*= handler and no javascript: URL.
"""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path, reverse

from carecase import urls as site_urls

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def _crash(request):
    raise RuntimeError("a view broke")


urlpatterns = [path("test-errors/500/", _crash), *site_urls.urlpatterns]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500

# Script types a browser never runs: data blocks, such as json_script's.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineCode(HTMLParser):
    """Collects what a policy without 'unsafe-inline' would block or what hides code:
    inline scripts, event-handler attributes, javascript: URLs, inline styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script":
            if values.get("src"):
                self.scripts.append(values["src"])
            elif (values.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
                self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"inline <style> at line {self.getpos()[0]}")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if name == "style":
                self.found.append(f"style= on <{tag}>")
            if value and "".join(value.split()).lower().startswith("javascript:"):
                self.found.append(f"javascript: URL in {name}= on <{tag}>")


def directives(header):
    policy = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            policy[words[0]] = words[1:]
    return policy


def problems(response):
    """What is wrong with a response's policy and page; an empty list if nothing."""
    found = []
    header = response.get("Content-Security-Policy")
    if not header:
        return ["no Content-Security-Policy header"]
    policy = directives(header)
    script_src = policy.get("script-src", policy.get("default-src", []))
    if "'self'" not in script_src:
        found.append(f"script-src is {script_src}")
    for name in ("script-src", "script-src-elem", "script-src-attr", "default-src"):
        unsafe = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'"} & set(
            policy.get(name, []))
        if unsafe:
            found.append(f"{name} allows {sorted(unsafe)}")
    parser = InlineCode()
    parser.feed(response.content.decode())
    parser.close()
    found += parser.found
    found += [f"script from elsewhere: {src}" for src in parser.scripts
              if not src.startswith("/") or src.startswith("//")]
    return found


def pages(world):
    """(kind, url) of one page of every kind, named with the home place's objects."""
    home = world.home
    child, school = home.child.pk, home.school.pk
    return [
        ("home", reverse("home")),
        ("the week", reverse("my_week")),
        ("child list", reverse("child_list")),
        ("child profile", reverse("child_detail", args=[child])),
        ("child part form", reverse("child_edit", args=[child, "traits"])),
        ("child basic form", reverse("child_edit", args=[child, "basic"])),
        ("family form", reverse("child_family", args=[child])),
        ("consent form", reverse("child_consent", args=[child])),
        ("exit form", reverse("child_exit", args=[child])),
        ("change history", reverse("child_history", args=[child])),
        ("record card", reverse("child_card", args=[child])),
        ("class record cards", reverse("class_cards", args=[home.classroom.pk])),
        ("contact sheet", reverse("class_contacts", args=[home.classroom.pk])),
        ("add a child", reverse("child_add")),
        ("transfer in", reverse("child_transfer")),
        ("roster import", reverse("roster_import")),
        ("school list", reverse("school_list")),
        ("school page", reverse("school_detail", args=[school])),
        ("reset password", reverse("staff_reset_password", args=[home.teacher.pk])),
        ("staff import", reverse("staff_import")),
        ("rollover", reverse("school_rollover", args=[school])),
        ("pairings", reverse("pairing_list")),
        ("pairing form", reverse("child_pairing_add", args=[child])),
        ("volunteers", reverse("volunteer_list")),
        ("care standards", reverse("care_standards")),
        ("care standard form", reverse("care_standard_edit", args=[home.standard.code])),
        ("term calendar", reverse("term_calendar")),
        ("term form", reverse("term_edit", args=[home.term.pk])),
        ("contact log form", reverse("contact_log_add", args=[child])),
        ("contact log edit", reverse("contact_log_edit", args=[home.log.pk])),
        ("concern list", reverse("concern_list")),
        ("concern", reverse("concern_detail", args=[home.concern.pk])),
        ("concern form", reverse("concern_add", args=[child])),
        ("help plans", reverse("help_plan_list")),
        ("help plan form", reverse("help_plan_add", args=[child])),
        ("help plan edit", reverse("help_plan_edit", args=[home.plan.pk])),
        ("status sheet", reverse("status_sheet", args=[school])),
        ("summary", reverse("county_summary")),
        ("monthly reports", reverse("submission_list")),
        ("monthly overview", reverse("submission_overview")),
        ("monthly report", reverse("submission_detail", args=[home.submission.pk])),
        ("password change", reverse("password_change")),
        ("login", reverse("login")),
        ("admin index", reverse("admin:index")),
        ("admin list", reverse("admin:registry_classroom_changelist")),
        ("admin form", reverse("admin:registry_classroom_change", args=[home.classroom.pk])),
        ("admin add form", reverse("admin:registry_user_add")),
        ("404 page", "/no-such-page/"),
        ("500 page", "/test-errors/500/"),
    ]


ROLES = ["anonymous", "teacher", "school_admin", "township", "bureau", "superuser"]


def visitor(world, role):
    browser = Client(raise_request_exception=False)
    if role == "superuser":
        browser.force_login(world.superuser)
    elif role != "anonymous":
        browser.force_login(world.roles[role])
    return browser


def test_every_kind_of_page_forbids_and_needs_no_inline_script(sweep_world):
    """Every role meets each page as a page, a redirect or an error page; whichever it
    is, it passes. Every kind of page is met as itself (a 200) by some role, so that no
    page is only ever checked as its error page."""
    failures = []
    seen = {kind: [] for kind, _ in pages(sweep_world)}
    for role in ROLES:
        browser = visitor(sweep_world, role)
        for kind, url in pages(sweep_world):
            response = browser.get(url)
            if response.status_code == 200:
                seen[kind].append(role)
            if kind in ("404 page", "500 page"):
                assert response.status_code == int(kind[:3]), (role, kind)
            failures += [f"{role}: {kind} ({url}, {response.status_code}): {problem}"
                         for problem in problems(response)]
    assert not failures, "\n".join(failures)
    assert [kind for kind, roles in seen.items() if not roles] == ["404 page", "500 page"]


@pytest.mark.parametrize("role", ["teacher", "school_admin"])
def test_the_other_error_pages_forbid_inline_script(sweep_world, role):
    browser = visitor(sweep_world, role)
    refused = Client(enforce_csrf_checks=True)
    refused.force_login(sweep_world.roles[role])
    for kind, response in [
        ("403 page", browser.get(reverse("school_list"))),
        ("400 page", browser.get("/", HTTP_HOST="carecase.attacker.example")),
        ("CSRF page", refused.post(reverse("password_change"), {})),
    ]:
        assert response.status_code in (400, 403), kind
        assert problems(response) == [], kind


def test_the_locked_out_page_forbids_inline_script(sweep_world):
    browser = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = browser.post(reverse("login"), {"username": sweep_world.home.teacher.username,
                                                   "password": "wrong"})
    assert response.status_code == 429
    assert problems(response) == []


def test_the_audit_catches_what_it_looks_for():
    class Page:
        def __init__(self, body, header="default-src 'self'; script-src 'self'"):
            self.content = body.encode()
            self.headers = {"Content-Security-Policy": header}

        def get(self, name):
            return self.headers.get(name)

    clean = Page('<script src="/static/js/carecase.js"></script>'
                 '<script type="application/json" id="d">{"a": 1}</script>')
    assert problems(clean) == []
    assert len(problems(Page("<script>alert(1)</script>"))) == 1
    assert len(problems(Page('<button onclick="go()">x</button>'))) == 1
    assert len(problems(Page('<a href=" JavaScript:go()">x</a>'))) == 1
    assert len(problems(Page('<p style="color:red">x</p>'))) == 1
    assert problems(Page("<p>x</p>", "script-src 'self' 'unsafe-inline'")) != []
    assert problems(Page("<p>x</p>", "")) == ["no Content-Security-Policy header"]
