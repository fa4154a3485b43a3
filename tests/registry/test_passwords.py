"""Password resets without e-mail, and the forced change at next login."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from registry.models import User
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, user, password):
    return client.post(reverse("login"), {"username": user.username, "password": password})


def reset(client, actor, staff):
    client.force_login(actor)
    response = client.post(reverse("staff_reset_password", args=[staff.pk]))
    client.logout()
    return response


def test_school_admin_resets_a_teacher_password_shown_once(client, world):
    response = reset(client, world.admin_a, world.teacher_a)
    assert response.status_code == 200
    password = response.context["password"]
    assert password in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.must_change_password
    assert world.teacher_a.check_password(password)
    assert not world.teacher_a.check_password(TEST_PASSWORD)
    # The change history says who reset it, and nothing of the password.
    [entry] = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(User),
                                      object_pk=str(world.teacher_a.pk))
    assert entry.actor == world.admin_a
    assert entry.changes_dict == {"password": ["", "reset to a temporary password"]}
    assert password not in str(entry.changes) and password not in entry.changes_text


def test_reset_needs_a_post(client, world):
    client.force_login(world.admin_a)
    response = client.get(reverse("staff_reset_password", args=[world.teacher_a.pk]))
    assert response.status_code == 200
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.check_password(TEST_PASSWORD)


def test_bureau_resets_a_school_admin_of_their_county(client, world):
    password = reset(client, world.bureau1, world.admin_b).context["password"]
    world.admin_b.refresh_from_db()
    assert world.admin_b.check_password(password)


def test_reset_outside_scope_changes_nothing(client, world):
    response = reset(client, world.admin_a, world.teacher_b)
    assert response.status_code == 404
    response = reset(client, world.bureau1, world.admin_c)
    assert response.status_code == 404
    for user in (world.teacher_b, world.admin_c):
        user.refresh_from_db()
        assert user.check_password(TEST_PASSWORD) and not user.must_change_password


def test_temporary_password_forces_a_change_before_anything_else(client, world):
    password = reset(client, world.admin_a, world.teacher_a).context["password"]
    response = log_in(client, world.teacher_a, password)
    assert response.status_code == 302
    for url in (reverse("home"), reverse("school_list"), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("password_change")
    page = client.get(reverse("password_change"))
    assert "选择一个您自己的新密码" in page.content.decode()

    new_password = "Wo-de-xin-mima-42"
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    world.teacher_a.refresh_from_db()
    assert not world.teacher_a.must_change_password
    assert world.teacher_a.check_password(new_password)
    assert client.get(reverse("home")).status_code == 200


def test_password_change_keeps_the_user_logged_in(client, world):
    client.force_login(world.teacher_a)
    new_password = "Ling-yi-ge-mima-7"
    client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": new_password,
         "new_password2": new_password},
    )
    assert client.get(reverse("home")).status_code == 200
