"""Into a course, in a real browser: a school admin registers their platform; a teacher, in a
page of the test platform, picks materials through deep linking; a student launches one and
sees it inside the course; a launch of what the student may not see is the hub's 404 page.

The platform (tests/lti/platform.py) is served over HTTP on 127.0.0.1 beside the hub: it
frames the launch, answers the hub's OIDC redirect and verifies the deep-linking answer with
the hub's published keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import sign_in
from tests.lti.platform import INSTRUCTOR, LEARNER, Platform

pytestmark = pytest.mark.browser

ADMIN = "schooladmin1.uwim@demo.example.org"  # University of the West Indies, Mona


@pytest.fixture()
def platform(live_hub: str) -> Iterator[Platform]:
    p = Platform(client_id="moodle-" + uuid.uuid4().hex[:8])
    p.tool_login_url = live_hub + "/lti/login"
    p.tool_key_set_url = live_hub + "/lti/jwks"
    yield p
    p.close()


def _register(page: Any, live_hub: str, platform: Platform) -> None:
    sign_in(page, live_hub, ADMIN)
    page.goto(f"{live_hub}/school/platforms")
    for name, value in platform.registration_form("Mona Moodle").items():
        page.locator(f"#platform-{name}").fill(value)
    page.get_by_role("button", name="Register the platform").click()
    page.wait_for_selector("text=Mona Moodle is registered")
    page.get_by_role("button", name="Sign out").click()


def _launch(page: Any, platform: Platform, link: str, **claims: Any) -> Any:
    """Open the course page whose frame launches ``link``; the frame, once it has loaded."""
    platform.launches[link] = platform.claims(nonce="", **claims)
    page.goto(f"{platform.url}/course?link={link}")
    return page.frame_locator("#tool")


def test_a_teacher_adds_materials_by_deep_linking_and_a_student_opens_them(
    page: Any, live_hub: str, platform: Platform
) -> None:
    _register(page, live_hub, platform)
    teacher = dict(
        sub="t-" + uuid.uuid4().hex,
        roles=(INSTRUCTOR,),
        email=f"t{uuid.uuid4().hex[:6]}@mona.example.org",
    )
    frame = _launch(page, platform, "pick", deep_linking=True, name="Dr Beckford", **teacher)
    frame.get_by_role("heading", name="Choose materials for your course").wait_for()
    # The picker is drawn for the frame: no site header.
    assert frame.locator(".site-header").count() == 0
    # A lecture, which students may open (the Type facet, as a link would: the newest material
    # of the shared demo, which other journeys publish to, may be a teachers-only question bank).
    picker = page.main_frame.child_frames[0]
    picker.goto(picker.url.split("?")[0] + "?resource_type=lecture")
    frame.locator(".pick-action button").first.click()
    frame.get_by_text("1 chosen").wait_for()
    # A question bank: teachers see it, students may not.
    picker.goto(picker.url.split("?")[0] + "?resource_type=question-bank")
    # (An original: the demo's adaptations of question banks are shared with students too.)
    bank = frame.locator("li.card").filter(has_not_text="adaptation").first
    bank.locator(".pick-action button").click()
    frame.get_by_text("2 chosen").wait_for()
    frame.get_by_role("button", name="Add 2 materials to the course").click()
    frame.locator("#added").wait_for()
    items = platform.returned[-1]["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert len(items) == 2

    student = dict(
        sub="s-" + uuid.uuid4().hex,
        roles=(LEARNER,),
        email=f"s{uuid.uuid4().hex[:6]}@mona.example.org",
        name="Kemar Brown",
    )
    frame = _launch(page, platform, "open", material=int(items[0]["custom"]["material"]), **student)
    frame.locator("h1").filter(has_text=items[0]["title"]).wait_for()
    assert frame.locator(".site-header").count() == 0

    frame = _launch(page, platform, "bank", material=int(items[1]["custom"]["material"]), **student)
    frame.get_by_role("heading", name="Not found").wait_for()
    assert items[1]["title"] not in frame.locator("body").inner_text()
