"""Shared fixtures: a small world of two counties, and a user of every role in it."""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import translation

from tests import factories


def pytest_configure(config):
    from django.conf import settings

    # Fast hashing and plain static files in tests; everything else as configured.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        # The demo fixture's accounts carry production-strength hashes.
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request in an earlier test
    (the test client runs in this thread) may have left another one active."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def world(db):
    """Two counties. County 1 has townships T1 (schools A and A2) and T2 (school B);
    county 2 has school C. Each school has an admin and a homeroom teacher with a class."""
    county1 = factories.CountyFactory(name="青山县")
    county2 = factories.CountyFactory(name="白水县")
    t1 = factories.TownshipFactory(county=county1, name="城关镇")
    t2 = factories.TownshipFactory(county=county1, name="石桥镇")
    t3 = factories.TownshipFactory(county=county2, name="河口镇")
    w = SimpleNamespace(county1=county1, county2=county2, t1=t1, t2=t2, t3=t3)
    for key, township in [("a", t1), ("a2", t1), ("b", t2), ("c", t3)]:
        school = factories.SchoolFactory(township=township)
        admin = factories.SchoolAdminFactory(school=school)
        teacher = factories.TeacherFactory(school=school)
        classroom = factories.ClassroomFactory(school=school, homeroom_teacher=teacher)
        setattr(w, f"school_{key}", school)
        setattr(w, f"admin_{key}", admin)
        setattr(w, f"teacher_{key}", teacher)
        setattr(w, f"class_{key}", classroom)
    w.township_user = factories.TownshipUserFactory(township=t1)
    w.bureau1 = factories.BureauUserFactory(county=county1)
    w.bureau2 = factories.BureauUserFactory(county=county2)
    w.superuser = factories.SuperuserFactory()
    return w
