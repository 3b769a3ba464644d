"""Fixtures for the tests that drive a real browser: Debian's chromium through Playwright, and a
`checklist serve` shared by a module's tests."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from support import CHROMIUM, LAUNCH_ARGS, LiveServer

# These tests say what people see, not how soon: a save that waits on a busy disk's fsync must not
# fail them (speed is measured by `python -m benchmarks.bench`). Playwright's default is 5 s.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The URL of a real `checklist serve`, shared by a module's tests."""
    live = LiveServer(tmp_path_factory.mktemp("data"))
    live.start()
    yield live.url
    live.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()
