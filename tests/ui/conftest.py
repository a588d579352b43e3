"""UI tests: remember each phase's outcome on the test item (for failure screenshots), one
headless Chromium per browser-test module, and a fresh page on the module's served app."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pytest


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    setattr(item, f"ui_report_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by pip's playwright (the browser modules skip without them)."""
    from playwright.sync_api import sync_playwright

    from tests.ui.test_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, served: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser session on the module's ``served`` app; a screenshot is kept when the
    test fails."""
    from tests.ui.test_browser import _screenshot

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(served.url + "/", wait_until="domcontentloaded")
    page.wait_for_selector("#ct-question textarea")
    yield page
    report = getattr(request.node, "ui_report_call", None)
    if report is not None and report.failed:
        _screenshot(page, f"failed-{request.node.name}")
    context.close()
