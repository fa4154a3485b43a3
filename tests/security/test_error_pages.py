"""Error pages (400, 403, 404, 500, a refused form) as a user meets them with DEBUG off:
the right status, in Chinese, in the site's layout, and nothing of the system's insides;
and a child's name in a request's query string never reaches the log."""

import logging

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import path, reverse
from django.utils import translation
from django.views.decorators.http import require_POST

from carecase import urls as site_urls
from carecase.views import server_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

CHILD_NAME = "王小明"
# What an exception might carry: a file, a setting, a child's name.
INTERNALS = f"/srv/carecase/registry/views.py SECRET_KEY DATABASE_URL {CHILD_NAME}"
# Signs of a debug page or of the system's insides.
LEAKS = ["Traceback", "SECRET_KEY", "DATABASE_URL", "/srv/carecase", ".py", "settings",
         "Exception", "CSRF token", "Referer", CHILD_NAME]


def _raise(exception, message=INTERNALS):
    def view(request):
        raise exception(message)

    return view


@require_POST
def _post_only(request):
    return HttpResponse("saved")


# The site's own URLs and error handlers, with views that fail in each way.
urlpatterns = [
    path("test-errors/400/", _raise(SuspiciousOperation)),
    path("test-errors/403/", _raise(PermissionDenied)),
    path("test-errors/404/", _raise(Http404)),
    path("test-errors/500/", _raise(RuntimeError)),
    path("test-errors/crash/", _raise(RuntimeError, "the view broke")),
    path("test-errors/form/", _post_only),
    *site_urls.urlpatterns,
]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500


def zh(message):
    """A message as the default language shows it."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def assert_no_leaks(page):
    for leak in LEAKS:
        assert leak not in page, leak


@pytest.fixture
def browser():
    return Client(raise_request_exception=False)


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    "url, status, texts",
    [
        ("/test-errors/400/", 400, ["Bad request", "Back to your home page"]),
        ("/test-errors/403/", 403, ["Not allowed", "Your role does not include this page."]),
        ("/test-errors/404/", 404, ["Not found",
                                    "There is no such page, or it is not yours to see."]),
        ("/no-such-page/", 404, ["Not found", "Back to your home page"]),
    ],
)
def test_error_pages_in_chinese_in_the_site_layout(browser, world, url, status, texts):
    browser.force_login(world.teacher_a)
    response = browser.get(url)
    page = response.content.decode()
    assert response.status_code == status
    assert '<html lang="zh-hans">' in page
    for text in texts:
        assert zh(text) in page
    assert "返回首页" in page
    # The layout: the navigation of the user's role and the page footer.
    assert reverse("my_week") in page and "退出登录" in page
    assert "关爱台账 — 留守儿童关爱信息管理" in page
    assert_no_leaks(page)


@override_settings(DEBUG=False)
def test_error_pages_for_a_visitor_who_is_not_logged_in(browser):
    page = browser.get("/no-such-page/").content.decode()
    assert "未找到" in page and "退出登录" not in page


@override_settings(DEBUG=False)
def test_a_disallowed_host_gets_the_400_page(browser):
    response = browser.get("/", HTTP_HOST="carecase.attacker.example")
    assert response.status_code == 400
    assert zh("Bad request") in response.content.decode()
    assert_no_leaks(response.content.decode())


@override_settings(DEBUG=False)
def test_the_500_page_is_self_contained_and_in_chinese(browser, world):
    browser.force_login(world.admin_a)
    response = browser.get("/test-errors/500/")
    page = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="zh-hans">' in page
    assert "服务器错误" in page and "请稍后再试" in page
    assert "关爱台账" in page and 'href="/"' in page
    assert "bootstrap.min.css" in page and "carecase.css" in page
    # Nothing of the user, their session or their school: rendered without a context.
    assert world.admin_a.real_name not in page and world.school_a.name not in page
    assert "<form" not in page and "<script" not in page
    assert_no_leaks(page)


def test_the_500_page_needs_no_database_and_no_request_context(
    django_assert_num_queries,
):
    request = RequestFactory().get("/")  # no session, no user, no middleware at all
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert "服务器错误" in response.content.decode()


@override_settings(DEBUG=False)
def test_a_refused_form_explains_itself_in_chinese(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.teacher_a)
    response = browser.post("/test-errors/form/", {"q": CHILD_NAME})
    page = response.content.decode()
    assert response.status_code == 403
    assert zh("The form has expired") in page
    assert zh("Nothing was saved. A form stops working when you log in or out, or when its "
              "page was opened a long time ago.") in page
    assert "返回首页" in page and "退出登录" in page
    assert_no_leaks(page)


@override_settings(DEBUG=False)
def test_error_pages_speak_english_to_who_chose_it(browser, world):
    browser.force_login(world.teacher_a)
    browser.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = browser.get("/test-errors/404/").content.decode()
    assert "Not found" in page and "Back to your home page" in page


# --- Logs ---------------------------------------------------------------------------


@override_settings(DEBUG=False)
@pytest.mark.parametrize("url", ["/no-such-page/", "/test-errors/404/", "/test-errors/crash/",
                                 "/children/"])
def test_a_name_in_the_query_string_stays_out_of_the_log(browser, world, caplog, url):
    browser.force_login(world.admin_a)
    with caplog.at_level(logging.DEBUG):
        browser.get(url, {"q": CHILD_NAME, "status": "all"})
        browser.get(f"{url}?q=%E7%8E%8B%E5%B0%8F%E6%98%8E")
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert CHILD_NAME not in logged
    assert "%E7%8E%8B" not in logged
    if url != "/children/":
        assert caplog.records, "the error itself is logged"


def test_the_console_handler_hides_every_logger_s_query_strings():
    console = next(handler for handler in logging.getLogger().handlers
                   if any(type(f).__name__ == "HideQueryStrings" for f in handler.filters))
    record = logging.LogRecord("some.library", logging.INFO, __file__, 1,
                               "fetched %s", ("/children/?q=王小明&status=all",), None)
    assert console.filter(record)
    assert record.getMessage() == "fetched /children/?…"
    # A placeholder inside the query string: the name is still cut, the line still whole.
    record = logging.LogRecord("some.library", logging.INFO, __file__, 1,
                               "GET /children/?q=%s (%d rows)", (CHILD_NAME, 3), None)
    assert console.filter(record)
    assert record.getMessage() == "GET /children/?… (3 rows)"
