"""The consortium admin's console: applications, member schools and their history, and the
jobs that failed every try (the dead-letter list)."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import db, jobs
from ..mail import mail_language, queue_mail
from ..models import MembershipStatus, Role, School
from ..services import membership
from ..services.errors import NotFound
from ..services.schools import applications as applications_waiting
from ..services.schools import change_income_group, find_schools, people_count, people_counts
from .access import requires
from .actions import Refused, perform
from .forms import IncomeGroupForm, ReasonForm
from .membership import school_search
from .reader import signed_in

bp = Blueprint("consortium_admin", __name__, url_prefix="/consortium")


@bp.route("/")
@requires(Role.CONSORTIUM_ADMIN)
def schools() -> str:
    s = db.session()
    search = school_search(request.args, status=None)
    found = find_schools(s, search, page=request.args.get("page", 1, type=int) or 1)
    applications = applications_waiting(s)
    counts = people_counts(s)
    return render_template(
        "consortium_admin/schools.html",
        found=found,
        search=search,
        applications=applications,
        counts=counts,
        by_status=membership.counts_by_status(s),
        statuses=list(MembershipStatus),
    )


def _school(school_id: int) -> School:
    school = db.session().get(School, school_id)
    if school is None:
        raise NotFound(_("There is no such school."))
    return school


@bp.route("/schools/<id:school_id>")
@requires(Role.CONSORTIUM_ADMIN)
def school(school_id: int) -> str | tuple[str, int]:
    return _school_page(school_id)


def _school_page(
    school_id: int, status: int = 200, form: ReasonForm | None = None
) -> str | tuple[str, int]:
    s = db.session()
    found = s.get(School, school_id)
    if found is None:
        abort(404)
    income_form = IncomeGroupForm(income_group=found.income_group.value)
    people = people_count(s, school_id)
    return render_template(
        "consortium_admin/school.html",
        school=found,
        decisions=membership.decisions_for(found.status),
        needs_reason=membership.NEEDS_REASON,
        form=form or ReasonForm(),
        income_form=income_form,
        people_count=people,
        admins=membership.school_admins(s, found),
    ), status


@bp.route("/schools/<id:school_id>/<decision>", methods=["POST"])
@requires(Role.CONSORTIUM_ADMIN)
def change_membership(school_id: int, decision: str) -> Response | str | tuple[str, int]:
    if decision not in {d.value for d in membership.Decision}:
        abort(404)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _school_page(school_id, 400, form)
    s = db.session()
    actor = signed_in()
    chosen = membership.Decision(decision)
    reason = (form.reason.data or "").strip()
    if chosen in CONFIRMED and reason and request.form.get("confirmed") != "1":
        # Suspending or withdrawing hides a school's shared materials from every other
        # school at once: say so and ask again, keeping the reason typed.
        found = s.get(School, school_id)
        if found is None:
            abort(404)
        return render_template(
            "consortium_admin/confirm.html",
            school=found,
            decision=chosen,
            reason=reason,
            form=form,
        )

    def act() -> tuple[School, object]:
        found = _school(school_id)
        event = membership.change_membership(
            s, found, membership.Decision(decision), actor, form.reason.data or ""
        )
        return found, event

    try:
        found, event = perform(act, flash_refusal=False)
    except Refused as exc:
        form.reason.errors = [exc.message]
        return _school_page(school_id, exc.status, form)
    for admin in membership.school_admins(s, found):
        # Each admin reads it in the interface language they chose (English if none).
        with force_locale(mail_language(admin)):
            subject, body = membership.notification(found, event)  # type: ignore[arg-type]
            queue_mail(admin.email, subject, body)
    return _done(
        school_id,
        _(
            "%(school)s is now %(status)s. Its admins have been told.",
            school=found.name,
            status=found.status.label,
        ),
    )


# Decisions that take effect on every other school at once ask for a confirmation first.
CONFIRMED = frozenset({membership.Decision.SUSPEND, membership.Decision.WITHDRAW})


@bp.route("/schools/<id:school_id>/income-group", methods=["POST"])
@requires(Role.CONSORTIUM_ADMIN)
def set_income_group(school_id: int) -> Response | str | tuple[str, int]:
    form = IncomeGroupForm()
    if not form.validate_on_submit():
        return _school_page(school_id, 400)
    s = db.session()
    actor = signed_in()

    def change() -> School:
        found = _school(school_id)
        change_income_group(s, actor, found, form.income_group.data or "")
        return found

    try:
        found = perform(change)
    except Refused as exc:
        return _school_page(school_id, exc.status)
    return _done(
        school_id,
        _(
            "%(school)s is now in income group %(group)s.",
            school=found.name,
            group=found.income_group.value,
        ),
    )


def _done(school_id: int, message: str) -> Response:
    """Back to the school's page, saying what was done."""
    flash(message, "success")
    return redirect(url_for("consortium_admin.school", school_id=school_id))


# The dead-letter list ---------------------------------------------------------------------------

# RQ's job ids (uuid4 hex); anything else names no job.
JOB_ID = re.compile(r"[0-9a-f]{32}|[0-9a-f-]{36}")


def _app() -> Flask:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


@bp.route("/jobs")
@requires(Role.CONSORTIUM_ADMIN)
def dead_letters() -> str:
    """The jobs that failed every try (with Redis): what, why, when; retry or delete each."""
    app = _app()
    return render_template(
        "consortium_admin/jobs.html",
        letters=jobs.dead_letters(app),
        with_redis=bool(app.config.get("HUB_REDIS_URL")),
    )


@bp.route("/jobs/<job_id>/<action>", methods=["POST"])
@requires(Role.CONSORTIUM_ADMIN)
def dead_letter(job_id: str, action: str) -> Response:
    """Run a dead letter again, or delete it."""
    if not JOB_ID.fullmatch(job_id) or action not in {"retry", "delete"}:
        abort(404)
    app = _app()
    if not app.config.get("HUB_REDIS_URL"):
        abort(404)
    done = (jobs.retry_dead_letter if action == "retry" else jobs.delete_dead_letter)(app, job_id)
    if not done:
        flash(_("This job is no longer on the list (retried or deleted meanwhile)."), "error")
    elif action == "retry":
        flash(_("The job is queued again; a worker will run it."), "success")
    else:
        flash(_("The job is deleted."), "success")
    return redirect(url_for("consortium_admin.dead_letters"))
