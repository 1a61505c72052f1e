"""Browser tests: the hub served on 127.0.0.1 with the demo consortium, driven by Playwright in
Debian's chromium (browsers cannot be downloaded here; `.ci/run` installs the package).

Each test keeps a screenshot in ``test-artifacts/screenshots`` (CI prints the folder).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from hub import migrate
from tests.conftest import make_app

CHROMIUM = os.environ.get("HUB_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DEMO_PASSWORD = "demo-password"


@pytest.fixture(scope="session")
def live_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The hub with the demo consortium, served by a real HTTP server on a free port."""
    instance = tmp_path_factory.mktemp("browser-instance")
    url = f"sqlite:///{instance / 'hub.sqlite3'}"
    migrate.upgrade(url)
    app = make_app(
        {"HUB_INSTANCE_PATH": str(instance), "HUB_DATABASE_URL": url, "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        from hub import db
        from hub.search import catch_up_now
        from hub.services.demo import load_demo
        from hub.services.demo_materials import load_demo_materials
        from hub.storage import store_for

        session = db.session()
        load_demo(session)
        session.commit()
        load_demo_materials(session, store_for(app))
        session.commit()
        catch_up_now(app, lock_timeout=30)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium package "
            "(`apt-get install chromium`; .ci/run does it)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture()
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context per test; a screenshot of the last page is kept.

    Tests marked ``axe`` may inject axe-core, which the hub's Content-Security-Policy would
    (rightly) refuse: their context bypasses it.
    """
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        bypass_csp=request.node.get_closest_marker("axe") is not None,
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    # Whatever the Content-Security-Policy blocks, a person misses (an empty chart, a dead
    # button): any violation on any page of any test fails it.
    blocked: list[str] = []
    tab.on(
        "console",
        lambda m: (
            blocked.append(f"{tab.url}: {m.text}") if "Content Security Policy" in m.text else None
        ),
    )
    yield tab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not blocked, "the Content-Security-Policy blocked:\n" + "\n".join(blocked[:10])


def sign_in(page: Any, base: str, email: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=Sign out")
    # The page a person lands on is whole once its deferred scripts have run (the header's
    # menu keys, for one): a busy machine otherwise hands the next step a page half ready.
    page.wait_for_load_state("load")


def new_draft(
    page: Any, base: str, title: str, teacher: str = "teacher1.unsm@demo.example.org"
) -> None:
    """Sign in as a demo teacher and create a draft from "My school's materials"."""
    sign_in(page, base, teacher)
    page.goto(f"{base}/materials/mine")
    page.get_by_label("Working title").fill(title)
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url(re.compile(r"/materials/\d+/edit"))


def pytest_sessionstart(session: pytest.Session) -> None:
    # Under pytest-xdist only the controller clears them: a worker would delete the others'.
    if hasattr(session.config, "workerinput"):
        return
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
