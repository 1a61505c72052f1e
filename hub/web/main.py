"""Home, account, the school's and the consortium's overview pages, and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from .. import db
from ..models import MembershipStatus, Person, Role, School
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


@bp.route("/school")
@requires(Role.SCHOOL_ADMIN)
def my_school() -> str:
    s = db.session()
    school = s.get(School, current_user.school_id)
    people = s.scalars(
        select(Person).where(Person.school_id == current_user.school_id).order_by(Person.name)
    ).all()
    return render_template(
        "school.html",
        school=school,
        people=people,
        is_member=is_active_member(school),
    )


@bp.route("/consortium")
@requires(Role.CONSORTIUM_ADMIN)
def consortium() -> str:
    s = db.session()
    schools = s.scalars(select(School).order_by(School.status, School.name)).all()
    counts = dict(
        s.execute(select(Person.school_id, func.count()).group_by(Person.school_id)).tuples().all()
    )
    return render_template(
        "consortium.html",
        schools=schools,
        counts=counts,
    )


@bp.route("/healthz")
@public
def healthz() -> tuple[dict[str, str], int]:
    try:
        db.database().ping()
    except SQLAlchemyError as exc:
        return {"status": "error", "database": type(exc).__name__}, 503
    return {"status": "ok", "database": "ok"}, 200
