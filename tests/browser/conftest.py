"""Browser journeys: Playwright driving Debian's Chromium against the live server.

Without /usr/bin/chromium the journeys skip on a newcomer's machine, but fail in CI
(CI=true), where a browser is required.
"""

import io
import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.factories import TEST_PASSWORD

# Playwright's sync API runs an event loop in the test thread; Django's async-safety
# guard would otherwise refuse the test's own database calls. Browser tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Where the journeys save their key screens: build/journeys/<journey>/NN-what.png under
# the repository, or the folder JOURNEY_SCREENSHOTS names.
REPOSITORY = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("JOURNEY_SCREENSHOTS") or REPOSITORY / "build" / "journeys")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "journey(name): a role's journey; its screenshots go in a folder of that name"
    )


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's chromium at /usr/bin/chromium for browser tests")
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def log_in(page, user, password=TEST_PASSWORD):
    """Log in through the login page as a person does: ``user`` is a user or a username."""
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(getattr(user, "username", user))
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def no_sideways_scroll(page):
    """The page fits its window's width: nothing to scroll sideways."""
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def download_workbook(page, link):
    """Click a link that downloads an xlsx; return the file name offered and the workbook."""
    with page.expect_download() as info:
        link.click()
    download = info.value
    # (Playwright keeps the download under a name without an extension.)
    return download.suggested_filename, load_workbook(io.BytesIO(download.path().read_bytes()))


def _page(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def phone(browser, live_server):
    """A page at phone size, speaking Chinese, pointed at the live server."""
    context, page = _page(browser, live_server, PHONE)
    yield page
    context.close()


@pytest.fixture
def desktop(browser, live_server):
    """A page on a school computer's screen."""
    context, page = _page(browser, live_server, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def another_page(browser, live_server):
    """``another_page(viewport)`` opens a page in a browser context of its own (its own
    cookies): a second person at another computer or phone."""
    contexts = []

    def open_page(viewport=DESKTOP):
        context, page = _page(browser, live_server, viewport)
        contexts.append(context)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shoot(request):
    """``shoot(page, "what")`` saves the whole page as NN-what.png, numbered in order, in
    the folder of the test's journey (``@pytest.mark.journey("name")``), emptied first."""
    marker = request.node.get_closest_marker("journey")
    folder = SCREENSHOTS / (marker.args[0] if marker else request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    taken = []

    def screenshot(page, what):
        taken.append(what)
        path = folder / f"{len(taken):02d}-{what}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return screenshot
