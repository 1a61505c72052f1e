"""Home, account, the school's and the consortium's overview pages, and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .. import db
from ..models import MembershipStatus, School
from ..services.schools import is_active_member
from .access import public, requires

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def home() -> str:
    s = db.session()
    members = s.scalars(
        select(School).where(School.status == MembershipStatus.ACTIVE).order_by(School.name)
    ).all()
    return render_template(
        "home.html",
        members=members,
        member_countries=len({m.country for m in members}),
        member_regions=len({m.region for m in members}),
    )


@bp.route("/account")
@requires()
def account() -> str:
    return render_template(
        "account.html",
        person=current_user,
        school_is_member=is_active_member(current_user.school),
    )


@bp.route("/healthz")
@public
def healthz() -> tuple[dict[str, str], int]:
    try:
        db.database().ping()
    except SQLAlchemyError as exc:
        return {"status": "error", "database": type(exc).__name__}, 503
    return {"status": "ok", "database": "ok"}, 200
