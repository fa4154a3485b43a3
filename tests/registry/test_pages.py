"""What each role meets after logging in, in Chinese by default and in English on request."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from registry.demo import DEMO_LOGINS, DEMO_PASSWORD
from registry.models import Term, User

pytestmark = pytest.mark.django_db


def test_teacher_home_lists_only_their_classes(client, world):
    client.force_login(world.teacher_a)
    page = client.get(reverse("home")).content.decode()
    assert "我的班级" in page
    assert str(world.class_a) in page
    assert world.school_a.name in page


def test_school_admin_home_is_their_school_with_classes_and_staff(client, world):
    client.force_login(world.admin_a)
    response = client.get(reverse("home"), follow=True)
    page = response.content.decode()
    assert response.request["PATH_INFO"] == reverse("school_detail", args=[world.school_a.pk])
    assert world.teacher_a.real_name in page
    assert "重置密码" in page
    assert world.teacher_b.real_name not in page


@pytest.mark.parametrize("user", ["bureau1", "township_user", "superuser"])
def test_the_bureau_and_township_home_is_the_summary(client, world, user):
    client.force_login(getattr(world, user))
    response = client.get(reverse("home"), follow=True)
    assert response.request["PATH_INFO"] == reverse("county_summary")
    assert response.status_code == 200


def test_the_school_list_shows_the_county_schools_by_township(client, world):
    client.force_login(world.bureau1)
    response = client.get(reverse("school_list"))
    page = response.content.decode()
    for school in (world.school_a, world.school_a2, world.school_b):
        assert school.name in page
    assert world.school_c.name not in page
    assert page.index(world.t1.name) < page.index(world.school_a.name)


def test_school_list_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.bureau1)
    with django_assert_max_num_queries(6):
        client.get(reverse("school_list"))


def test_pages_speak_chinese_by_default_and_english_on_request(client, world):
    client.force_login(world.teacher_a)
    assert "退出登录" in client.get(reverse("home")).content.decode()
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("home")}, follow=True
    )
    page = response.content.decode()
    assert "Log out" in page and "退出登录" not in page
    assert '<html lang="en">' in page


def test_every_page_sends_a_content_security_policy_without_inline_script(client, world):
    client.force_login(world.teacher_a)
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_demo_loads_around_today_and_each_login_lands_on_its_home_in_chinese(client, capsys):
    call_command("demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    assert Term.objects.filter(county__code="360101").count() == 2
    landings = {
        "teacher1": "我的班级",
        "principal1": "城关镇中心小学",
        "township1": "城关镇第二小学",
        "bureau1": "石桥镇初级中学",
        "bureau2": "河口镇中心小学",
    }
    for username, _who, _lands_on in DEMO_LOGINS:
        assert username in out
        assert User.objects.filter(username=username).exists()
    for username, landing in landings.items():
        response = client.post(
            reverse("login"), {"username": username, "password": DEMO_PASSWORD}, follow=True
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert landing in page and "退出登录" in page
        client.logout()
