"""THE SWEEP: every URL pattern of the project (walked from the resolver: the admin,
exports, imports and POST endpoints included, and any URL added later) × every role of
the first county, filled with the objects of another school of the county and of another
county.

- A URL that names an object outside the user's place is a 404 (a 403 for a page the
  role may never use), for a GET and for a POST with plausible data, and changes nothing
  in the database.
- A URL that names no object (lists, exports, the user's own month) is asked with every
  id-taking query parameter and form field pointing at the other place: it never shows
  the other place's names or texts, and nothing of the other place changes.
- Anonymous: every page but the login's redirects to the login, and nothing changes.
"""

import pytest
from django.urls import reverse

from tests.security import sweep

pytestmark = pytest.mark.django_db

ROUTES = sweep.all_routes()
ROLES = ["anonymous", "teacher", "school_admin", "township", "bureau"]

#: The places outside each role's reach (the bureau sees its whole county).
OUTSIDE = {
    "anonymous": ("other_county",),
    "teacher": ("other_school", "other_county"),
    "school_admin": ("other_school", "other_county"),
    "township": ("other_school", "other_county"),
    "bureau": ("other_county",),
}

#: Pages an anonymous visitor may open: url name -> why.
PUBLIC = {
    "login": "the login page itself",
    "logout": "logging out needs no login",
    "set_language": "the language switch is in every page's footer, the login's too",
    "admin:logout": "the admin's logout sends a visitor not signed in to the admin's index",
    "health": "load balancers ask it without a login; it answers 'ok' and nothing else",
}

#: Requests that reach into another place by design: (url name, place) -> why.
REACHES_BY_DESIGN = {
    ("child_transfer", "other_school"): (
        "a transfer in finds a child of another school of the county by ID or student "
        "number (a POST) and shows them, so that the school admin can take them in; the "
        "look-up is in the access log, with the child"
    ),
}


class Visitor:
    """A test client signed in as ``user`` (None: anonymous), with a picture of the
    database taken before its first request. A request that logs out is followed by a
    new login before the next one."""

    def __init__(self, client, user):
        self.client, self.user = client, user
        if user is not None:
            client.force_login(user)  # writes last_login: before the picture
        self.before = sweep.snapshot()
        self.sent = []

    def send(self, method, url, data):
        if self.user is not None and "_auth_user_id" not in self.client.session:
            self.client.force_login(self.user)
        self.sent.append(f"{method.upper()} {url}")
        # Anonymous: the redirect itself is the answer; a signed-in user's redirect is
        # followed to where it lands.
        return getattr(self.client, method)(url, data, follow=self.user is not None)

    def changes(self):
        return sweep.changes(self.before, sweep.snapshot())


def _is_login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith(
        (reverse("login") + "?", reverse("admin:login") + "?"))


def _check_anonymous(route, response, where):
    if route.name in PUBLIC:
        assert response.status_code < 500, where
    else:
        assert _is_login_redirect(response), (
            f"{where}: {response.status_code} {response.get('Location', '')}, expected a "
            "redirect to the login page")


def _check_object(response, where):
    assert response.status_code in (403, 404, 405), (
        f"{where}: {response.status_code} (chain {response.redirect_chain}); an object "
        "outside the user's place must be a 404, a page the role may never use a 403")


def _check_no_object(route, place, response, where):
    if (route.name, place.key) in REACHES_BY_DESIGN:
        return
    text = sweep.response_text(response)
    shown = [t for t in place.texts if t in text]
    assert not shown, f"{where} shows {place.key}'s {shown}"


CASES = [
    pytest.param(route, role, id=f"{route.label}-{role}")
    for route in ROUTES
    for role in ROLES
]


def _places(route, user):
    """The places a role is tried with. A role the admin refuses outright (it lacks
    ``registry.use_admin``) is tried on the admin's URLs with the other county only: the
    refusal comes before any object is looked up."""
    if user is not None and route.is_admin and not user.has_perm("registry.use_admin"):
        return ("other_county",)
    return OUTSIDE[user.role if user is not None else "anonymous"]


@pytest.mark.parametrize("route, role", CASES)
def test_sweep(sweep_world, client, route, role):
    user = sweep_world.roles.get(role)
    visitor = Visitor(client, user)
    places, names_objects = [], False
    for place_key in _places(route, user):
        place = getattr(sweep_world, place_key)
        try:
            filled = sweep.fills(route, place)
        except sweep.CannotFill as error:
            pytest.fail(str(error))
        if (route.name, place.key) not in REACHES_BY_DESIGN:
            places.append(place)
        for obj, kwargs in filled:
            if obj is not None and not sweep.owned_by(place, obj):
                # The county's own (a term, a care standard, the county) is shared by its
                # schools: the other county's covers it.
                continue
            names_objects = obj is not None
            url = sweep.url_for(route, kwargs)
            for method in ("get", "post"):
                data = (sweep.hostile_post(place) if method == "post"
                        else {} if obj is not None else sweep.hostile_query(place))
                response = visitor.send(method, url, data)
                where = f"{method.upper()} {url} as {role}, with {place.key}'s " + (
                    obj._meta.model_name if obj is not None else "ids")
                assert response.status_code < 500, where
                if role == "anonymous":
                    _check_anonymous(route, response, where)
                elif obj is not None:
                    _check_object(response, where)
                else:
                    _check_no_object(route, place, response, where)
    changed = visitor.changes()
    if role == "anonymous" or names_objects:
        assert not changed, (
            f"{visitor.sent} changed the database: {sweep.describe(changed)}")
    else:
        touched = [c for c in changed if any(sweep.touches(p, c) for p in places)]
        assert not touched, (
            f"{visitor.sent} changed the other places' data: {sweep.describe(touched)}")


OBJECT_ROUTES = [
    pytest.param(route, id=route.label)
    for route in ROUTES
    if {"pk", "object_id"} & set(route.kwargs)
]


@pytest.mark.parametrize("route", OBJECT_ROUTES)
def test_sweep_aims_at_real_objects(sweep_world, client, route):
    """The sweep's 404s mean something: the other county's own people reach the objects
    it fills the URLs with."""
    place = sweep_world.other_county
    insiders = [place.admin, place.bureau, place.teacher, sweep_world.superuser]
    for _obj, kwargs in sweep.fills(route, place):
        url = sweep.url_for(route, kwargs)
        assert any(_reaches(client, user, url) for user in insiders), (
            f"{url}: every insider gets a 404 — the sweep fills it with the wrong object")


def _reaches(client, user, url):
    client.force_login(user)
    status = client.get(url).status_code
    if status == 405:
        status = client.post(url, {}).status_code
    return status != 404
