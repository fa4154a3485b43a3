"""Browser journeys: Playwright driving Debian's Chromium against the live server.

Without /usr/bin/chromium the journeys skip on a newcomer's machine, but fail in CI
(CI=true), where a browser is required.
"""

import os
from pathlib import Path

import pytest

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
