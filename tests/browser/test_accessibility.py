"""Accessibility: axe-core (from the npm registry) in chromium finds no serious or critical
violations on the main pages, signed out and signed in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.axe]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

PUBLIC_PAGES = ["/", "/search?q=malaria", "/browse", "/sign-in", "/apply", "/forgot-password"]
TEACHER_PAGES = [
    "/materials/mine",
    "/files",
    "/requests",
    "/directory",
    "/account",
    "/search?q=&language=en",
    "/cartridges/import",
]
ADMIN_PAGES = [
    "/school/",
    "/school/people",
    "/school/sharing",
    "/school/report",
    "/school/invitations/import",
    "/school/reports",
]


def _violations(page: Any) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` in tests/browser (.ci/run does it)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 3)
                 .map(n => n.target.join(' ')).join(', '));
    }""")
    return list(result)


def _check(page: Any, base: str, paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        page.goto(base + path)
        found += [f"{path}: {v}" for v in _violations(page)]
    return found


def test_public_pages_have_no_serious_violations(page: Any, live_hub: str) -> None:
    assert _check(page, live_hub, PUBLIC_PAGES) == []


def test_teacher_pages_have_no_serious_violations(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, "teacher2.unsm@demo.example.org")
    page.goto(f"{live_hub}/search?q=")
    page.locator(".hit-list .title").first.click()
    material = page.url.replace(live_hub, "")
    address = material.split("?")[0]
    forms = [address + "/cartridge", address + "/review", address + "/report"]
    assert _check(page, live_hub, [*TEACHER_PAGES, material, *forms]) == []


def test_school_admin_pages_have_no_serious_violations(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, "schooladmin1.ki@demo.example.org")
    page.goto(f"{live_hub}/materials/mine")
    page.locator("table a").first.click()
    own_material = page.url.replace(live_hub, "")
    assert _check(page, live_hub, [*ADMIN_PAGES, own_material]) == []


def test_main_pages_stay_light(page: Any, live_hub: str) -> None:
    """Schools may be on poor connections: HTML, CSS and scripts of a page under 200 KB."""
    sign_in(page, live_hub, "teacher2.unsm@demo.example.org")
    media = ("image/", "video/", "audio/", "application/pdf")
    sizes: list[int] = []

    def count(response: Any) -> None:
        kind = response.headers.get("content-type", "")
        if response.ok and response.request.method == "GET" and not kind.startswith(media):
            sizes.append(len(response.body()))

    page.on("response", count)
    weights = {}
    for path in ["/", "/search?q=malaria", "/browse", "/materials/mine", "/directory"]:
        sizes.clear()
        page.goto(live_hub + path, wait_until="networkidle")
        weights[path] = sum(sizes)
    page.remove_listener("response", count)
    assert max(weights.values()) < 200_000, weights


@pytest.mark.parametrize("code", ["fr", "ar"])
def test_translated_pages_have_no_serious_violations(page: Any, live_hub: str, code: str) -> None:
    page.context.add_cookies([{"name": "hub_language", "value": code, "url": live_hub}])
    sign_in_paths = ["/", "/search?q=malaria", "/browse", "/apply"]
    assert _check(page, live_hub, sign_in_paths) == []
    page.goto(live_hub + "/")
    assert page.get_attribute("html", "lang") == code


@pytest.mark.parametrize(
    ("email", "paths"),
    [
        ("teacher2.unsm@demo.example.org", TEACHER_PAGES),
        ("schooladmin1.ki@demo.example.org", ADMIN_PAGES),
    ],
    ids=["teacher", "school-admin"],
)
def test_signed_in_pages_right_to_left_have_no_serious_violations(
    page: Any, live_hub: str, email: str, paths: list[str]
) -> None:
    sign_in(page, live_hub, email)
    page.context.add_cookies([{"name": "hub_language", "value": "ar", "url": live_hub}])
    assert _check(page, live_hub, paths) == []
    assert page.get_attribute("html", "dir") == "rtl"
