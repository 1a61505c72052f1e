"""Reminders: due and overdue reviews, once a day (``hub review remind``)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import func, select

from hub.models import Notification
from hub.services import review, review_views
from tests.review.conftest import World


def _count(world: World, kind: str) -> int:
    return (
        world.session.scalar(select(func.count(Notification.id)).where(Notification.kind == kind))
        or 0
    )


@pytest.mark.usefixtures("in_app")
def test_a_due_review_is_reminded_once_a_day(world: World) -> None:
    submission_id = world.to_review(1)
    invitation = review.get_submission(world.session, submission_id).invitations[0]
    today = invitation.due_at.date() - dt.timedelta(days=1)
    assert review_views.remind(world.session, today) == (1, 0)
    assert review_views.remind(world.session, today) == (0, 0)
    assert review_views.remind(world.session, today + dt.timedelta(days=1)) == (1, 0)


@pytest.mark.usefixtures("in_app")
def test_the_editor_hears_once_when_a_review_is_overdue(world: World) -> None:
    submission_id = world.to_review(1)
    invitation = review.get_submission(world.session, submission_id).invitations[0]
    late = invitation.due_at.date() + dt.timedelta(days=1)
    assert review_views.remind(world.session, late) == (1, 1)
    assert review_views.remind(world.session, late + dt.timedelta(days=1)) == (1, 0)
    assert _count(world, "review.overdue") == 1


@pytest.mark.usefixtures("in_app")
def test_a_review_due_later_is_not_reminded(world: World) -> None:
    world.to_review(1)
    assert review_views.remind(world.session, dt.date.today()) == (0, 0)


def test_the_command_reminds_and_says_how_many(app: Flask, world: World) -> None:
    world.to_review(1)
    world.session.commit()
    result = app.test_cli_runner().invoke(args=["review", "remind"])
    assert result.exit_code == 0, result.output
    assert "Reminders sent: 0" in result.output
