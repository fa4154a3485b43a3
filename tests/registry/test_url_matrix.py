"""Every URL of the foundation × every role: 200, 302 to login, 403 or 404.

Rows name the page and the object (in the user's place, elsewhere in the county, or in
another county); columns are the roles. An object outside the user's scope is a 404; a
page the role may never use is a 403.
"""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "teacher_a", "admin_a", "township_user", "bureau1", "superuser"]


def _admin(name, obj_key=None):
    def build(world):
        if obj_key is None:
            return reverse(f"admin:{name}")
        return reverse(f"admin:{name}", args=[getattr(world, obj_key).pk])

    return build


def _page(name, obj_key=None):
    def build(world):
        if obj_key is None:
            return reverse(name)
        return reverse(name, args=[getattr(world, obj_key).pk])

    return build


L, OK, RE, NO, NF = "login", 200, 302, 403, 404
# page: (anonymous, teacher_a, admin_a, township_user, bureau1, superuser)
MATRIX = {
    "home": (_page("home"), (L, OK, RE, RE, RE, RE)),
    "login": (_page("login"), (OK, RE, RE, RE, RE, RE)),
    "password_change": (_page("password_change"), (L, OK, OK, OK, OK, OK)),
    "school_list": (_page("school_list"), (L, NO, NO, OK, OK, OK)),
    "school_detail own": (_page("school_detail", "school_a"), (L, NO, OK, OK, OK, OK)),
    "school_detail same township": (
        _page("school_detail", "school_a2"), (L, NO, NF, OK, OK, OK)
    ),
    "school_detail same county": (_page("school_detail", "school_b"), (L, NO, NF, NF, OK, OK)),
    "school_detail other county": (_page("school_detail", "school_c"), (L, NO, NF, NF, NF, OK)),
    "reset own teacher": (
        _page("staff_reset_password", "teacher_a"), (L, NO, OK, NO, NF, OK)
    ),
    "reset other school's teacher": (
        _page("staff_reset_password", "teacher_b"), (L, NO, NF, NO, NF, OK)
    ),
    "reset school admin in county": (
        _page("staff_reset_password", "admin_b"), (L, NO, NF, NO, OK, OK)
    ),
    "reset school admin elsewhere": (
        _page("staff_reset_password", "admin_c"), (L, NO, NF, NO, NF, OK)
    ),
    "admin index": (_admin("index"), (L, NO, OK, NO, OK, OK)),
    "admin classes": (_admin("registry_classroom_changelist"), (L, NO, OK, NO, OK, OK)),
    "admin class add": (_admin("registry_classroom_add"), (L, NO, OK, NO, NO, OK)),
    "admin class own": (_admin("registry_classroom_change", "class_a"), (L, NO, OK, NO, OK, OK)),
    "admin class same county": (
        _admin("registry_classroom_change", "class_b"), (L, NO, NF, NO, OK, OK)
    ),
    "admin class other county": (
        _admin("registry_classroom_change", "class_c"), (L, NO, NF, NO, NF, OK)
    ),
    "admin schools": (_admin("registry_school_changelist"), (L, NO, NO, NO, OK, OK)),
    "admin school add": (_admin("registry_school_add"), (L, NO, NO, NO, OK, OK)),
    "admin school own county": (
        _admin("registry_school_change", "school_b"), (L, NO, NO, NO, OK, OK)
    ),
    "admin school other county": (
        _admin("registry_school_change", "school_c"), (L, NO, NO, NO, NF, OK)
    ),
    "admin townships": (_admin("registry_township_changelist"), (L, NO, NO, NO, OK, OK)),
    "admin township other county": (
        _admin("registry_township_change", "t3"), (L, NO, NO, NO, NF, OK)
    ),
    "admin counties": (_admin("registry_county_changelist"), (L, NO, NO, NO, NO, OK)),
    "admin county own": (_admin("registry_county_change", "county1"), (L, NO, NO, NO, NO, OK)),
    "admin terms": (_admin("registry_term_changelist"), (L, NO, OK, NO, OK, OK)),
    "admin term add": (_admin("registry_term_add"), (L, NO, NO, NO, OK, OK)),
    "admin term own county": (
        _admin("registry_term_change", "term1"), (L, NO, OK, NO, OK, OK)
    ),
    "admin term other county": (
        _admin("registry_term_change", "term2"), (L, NO, NF, NO, NF, OK)
    ),
    "admin staff": (_admin("registry_user_changelist"), (L, NO, OK, NO, OK, OK)),
    "admin staff add": (_admin("registry_user_add"), (L, NO, OK, NO, OK, OK)),
    "admin staff own teacher": (
        _admin("registry_user_change", "teacher_a"), (L, NO, OK, NO, NF, OK)
    ),
    "admin staff other school's teacher": (
        _admin("registry_user_change", "teacher_b"), (L, NO, NF, NO, NF, OK)
    ),
    "admin staff school admin in county": (
        _admin("registry_user_change", "admin_b"), (L, NO, NF, NO, OK, OK)
    ),
    "admin staff school admin elsewhere": (
        _admin("registry_user_change", "admin_c"), (L, NO, NF, NO, NF, OK)
    ),
    "admin staff bureau user": (
        _admin("registry_user_change", "bureau1"), (L, NO, NF, NO, NF, OK)
    ),
}

CASES = [
    pytest.param(builder, role, expected, id=f"{page}-{role}")
    for page, (builder, statuses) in MATRIX.items()
    for role, expected in zip(ROLES, statuses, strict=True)
]


@pytest.fixture
def matrix_world(world):
    world.term1 = factories.TermFactory(county=world.county1)
    world.term2 = factories.TermFactory(county=world.county2)
    return world


@pytest.mark.parametrize("builder, role, expected", CASES)
def test_url_role_matrix(client, matrix_world, builder, role, expected):
    url = builder(matrix_world)
    if role != "anonymous":
        client.force_login(getattr(matrix_world, role))
    if expected == "login":
        response = client.get(url, follow=True)
        assert response.request["PATH_INFO"] == reverse("login")
        assert "password" in response.context["form"].fields
    else:
        response = client.get(url)
        assert response.status_code == expected, url
