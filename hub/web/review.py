"""Peer review pages: a person's Reviews, volunteering, submitting, one submission's page for
each of its people, the rubric, the editors' board, editors (consortium admins) and a school's
vetting rule (school admins). Every step is a service call (``services.review*``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from .. import db
from ..models import STAFF, Person, Role
from ..services import review, review_credit, review_people, review_views
from ..services import review_reviewing as reviewing
from ..services.errors import Conflict, NotFound
from ..services.vocabularies import LEVELS, PROFESSIONS
from . import reader
from .access import requires
from .actions import Refused, attempt, perform

bp = Blueprint("review", __name__)

#: Who takes part in peer review: teachers, school admins, consortium admins (not students).
PEOPLE = (*STAFF, Role.CONSORTIUM_ADMIN)


def _me() -> Person:
    person = reader.me()
    assert person is not None  # @requires() let only the signed-in in
    return person


def _form_page(template: str, error: Refused | Conflict | None, **context: Any) -> tuple[str, int]:
    """A form's page, shown again after a refusal with what was typed (``form``), the refusal
    (``error``) and its status; 200 on the first showing."""
    page = render_template(template, form=request.form, error=error, **context)
    return page, (error.status if error else 200)


@bp.route("/reviews")
@requires(*PEOPLE)
def home() -> str:
    """The person's submissions, invitations, and what they edit or vet."""
    me = _me()
    return render_template(
        "review/home.html",
        mine=review_views.mine(db.session(), me),
        board=review_views.may_see_board(db.session(), me),
    )


# Volunteering -----------------------------------------------------------------------------------


def _expertise(form: MultiDict[str, str]) -> review_people.Expertise:
    return review_people.Expertise(
        topics=form.get("topics", ""),
        languages=form.get("languages", ""),
        professions=tuple(form.getlist("professions")),
        levels=tuple(form.getlist("levels")),
        reviews_per_term=form.get("reviews_per_term", ""),
    )


@bp.route("/reviews/volunteer", methods=["GET", "POST"])
@requires(*STAFF)
def volunteer() -> Any:
    """Volunteer as a reviewer, or change what one offers."""
    me, s = _me(), db.session()
    error = None
    if request.method == "POST":
        try:
            perform(
                lambda: review_people.volunteer(s, me, _expertise(request.form)),
                _("Thank you: editors can now invite you to review."),
                flash_refusal=False,
            )
            return redirect(url_for("review.home"))
        except Refused as refused:
            error = refused
    return _form_page(
        "review/volunteer.html",
        error,
        reviewer=review_people.reviewer_of(s, me),
        professions=PROFESSIONS,
        levels=LEVELS,
        topic_words=review_people.topic_words,
    )


@bp.route("/reviews/pause", methods=["POST"])
@requires(*STAFF)
def pause() -> Response:
    """Pause reviewing (no new invitations), or resume."""
    paused = request.form.get("paused") == "1"
    attempt(
        lambda: review_people.pause(db.session(), _me(), paused),
        _("Paused: no one will invite you until you resume.") if paused else _("Resumed."),
    )
    return redirect(url_for("review.home"))


# Submitting ---------------------------------------------------------------------------------------


def _summary(form: MultiDict[str, str]) -> review.Summary:
    return review.Summary(
        objectives=form.get("objectives", ""),
        audience=form.get("audience", ""),
        how_used=form.get("how_used", ""),
        evaluation=form.get("evaluation", ""),
    )


@bp.route("/materials/<id:material_id>/submit-for-review", methods=["GET", "POST"])
@requires(*STAFF)
def submit_form(material_id: int) -> Any:
    """The submission form: the educational summary; refused in words for a material that
    cannot be submitted (not shared with the whole consortium, already on the route...)."""
    me, s = _me(), db.session()
    error: Refused | Conflict | None = None
    try:
        version = review.submittable(s, me, material_id)
    except NotFound:
        abort(404)
    except Conflict as refused:
        version, error = None, refused
    if version is not None and request.method == "POST":
        try:
            submission = perform(
                lambda: review.submit(s, me, material_id, _summary(request.form)),
                _("Submitted for peer review."),
                flash_refusal=False,
            )
            return redirect(url_for("review.submission", submission_id=submission.id))
        except Refused as refused:
            error = refused
    return _form_page(
        "review/submit.html",
        error,
        version=version,
        material_id=material_id,
    )


# One submission -----------------------------------------------------------------------------------


@bp.route("/reviews/submissions/<id:submission_id>")
@requires(*PEOPLE)
def submission(submission_id: int) -> str:
    """The submission as the signed-in person may see it (404 for anyone else)."""
    try:
        shown = review_views.page(db.session(), _me(), submission_id)
    except NotFound:
        abort(404)
    return render_template(
        "review/submission.html",
        page=shown,
        me=_me(),
        criteria=review.CRITERIA,
        outcomes=review.Outcome,
        due_days=review.DUE_DAYS,
        step_words=review.step_words,
        next_words=review.next_words,
    )


def _form(name: str) -> str:
    return request.form.get(name, "")


#: The steps taken from a submission's page: the service call, and what to say when done.
STEPS: dict[str, tuple[Callable[[Any, Person, int], object], Any]] = {
    "vet": (
        lambda s, me, i: review.vet(s, me, i, _form("passed") == "1", _form("note")),
        lambda: _("Done: the author and the editor are told."),
    ),
    "return": (
        lambda s, me, i: review.return_to_author(s, me, i, _form("note")),
        lambda: _("Returned to the author with your question."),
    ),
    "resubmit": (
        lambda s, me, i: review.resubmit(s, me, i, _form("note")),
        lambda: _("Resubmitted."),
    ),
    "decline": (
        lambda s, me, i: review.decline(s, me, i, _form("note")),
        lambda: _("Declined: the author is told why."),
    ),
    "invite": (
        lambda s, me, i: reviewing.invite(
            s,
            me,
            i,
            [int(r) for r in request.form.getlist("reviewers") if r.isdigit()],
            _form("due_days"),
        ),
        lambda: _("Invited: the reviewers are told."),
    ),
    "decide": (
        lambda s, me, i: review.decide(s, me, i, _form("outcome"), _form("letter")),
        lambda: _("Decided: the author has your letter."),
    ),
    "revise": (
        lambda s, me, i: review.revise(s, me, i, _form("note")),
        lambda: _("Your revision is sent to the reviewers."),
    ),
    "withdraw": (
        lambda s, me, i: review.withdraw(s, me, i),
        lambda: _("Withdrawn."),
    ),
    "assign": (
        lambda s, me, i: review.assign_editor(s, me, i, int(_form("editor") or 0)),
        lambda: _("The editor is assigned and told."),
    ),
    "message": (
        lambda s, me, i: reviewing.ask(
            s, me, i, _form("body"), int(_form("invitation")) if _form("invitation") else None
        ),
        lambda: _("Sent."),
    ),
}


@bp.route("/reviews/submissions/<id:submission_id>/<step>", methods=["POST"])
@requires(*PEOPLE)
def step(submission_id: int, step: str) -> Response:
    """Take one step of the route; a refusal is said on the page."""
    found = STEPS.get(step)
    if found is None:
        abort(404)
    call, words = found
    attempt(lambda: call(db.session(), _me(), submission_id), words())
    return redirect(url_for("review.submission", submission_id=submission_id))


# Invitations ------------------------------------------------------------------------------------


def _invitation_submission(invitation_id: int) -> int:
    found = review_views.invitation_of(db.session(), _me(), invitation_id)
    if found is None:
        abort(404)
    return found.submission_id


@bp.route("/reviews/invitations/<id:invitation_id>/respond", methods=["POST"])
@requires(*STAFF)
def respond(invitation_id: int) -> Response:
    """Accept or decline an invitation to review."""
    submission_id = _invitation_submission(invitation_id)
    accept = request.form.get("accept") == "1"
    attempt(
        lambda: reviewing.respond(db.session(), _me(), invitation_id, accept, _form("reason")),
        _("Thank you: the review is yours.") if accept else _("Declined: the editor is told."),
    )
    return redirect(url_for("review.submission", submission_id=submission_id))


def _rubric(form: MultiDict[str, str]) -> reviewing.Rubric:
    return reviewing.Rubric(
        scores={c: form.get(f"score-{c}", "") for c in review.CRITERIA},
        comments={c: form.get(f"comment-{c}", "") for c in review.CRITERIA},
        to_author=form.get("to_author", ""),
        confidential=form.get("confidential", ""),
        recommendation=form.get("recommendation", ""),
        signed=form.get("signed") == "1",
    )


@bp.route("/reviews/invitations/<id:invitation_id>/review", methods=["GET", "POST"])
@requires(*STAFF)
def rubric(invitation_id: int) -> Any:
    """The rubric of an accepted invitation; sent once."""
    submission_id = _invitation_submission(invitation_id)
    me, s = _me(), db.session()
    error = None
    if request.method == "POST":
        try:
            perform(
                lambda: reviewing.submit_review(s, me, invitation_id, _rubric(request.form)),
                _("Your review is sent to the editor. Thank you."),
                flash_refusal=False,
            )
            return redirect(url_for("review.submission", submission_id=submission_id))
        except Refused as refused:
            error = refused
    shown = review_views.page(s, me, submission_id)
    return _form_page(
        "review/rubric.html",
        error,
        page=shown,
        invitation_id=invitation_id,
        criteria=review.CRITERIA,
        outcomes=review.Outcome,
    )


@bp.route("/reviews/invitations/<id:invitation_id>/reassign", methods=["POST"])
@requires(*STAFF)
def reassign(invitation_id: int) -> Response:
    """The editor withdraws an open invitation and invites another reviewer."""
    found = review_views.invitation_for_editor(db.session(), _me(), invitation_id)
    if found is None:
        abort(404)
    attempt(
        lambda: reviewing.reassign(
            db.session(), _me(), invitation_id, int(_form("reviewer") or 0), _form("due_days")
        ),
        _("Reassigned: the new reviewer is invited."),
    )
    return redirect(url_for("review.submission", submission_id=found.submission_id))


# The board, editors, vetting ---------------------------------------------------------------------


@bp.route("/reviews/board")
@requires(*PEOPLE)
def board() -> str:
    """The editors' board: submissions by stage, time in stage, overdue reviews, loads."""
    try:
        shown = review_views.board(db.session(), _me())
    except NotFound:
        abort(404)
    return render_template("review/board.html", board=shown)


@bp.route("/reviews/editors", methods=["GET", "POST"])
@requires(Role.CONSORTIUM_ADMIN)
def editors() -> Any:
    """Consortium admins appoint editors by topics and languages."""
    s = db.session()
    error = None
    if request.method == "POST":
        try:
            perform(
                lambda: review_people.appoint_editor(
                    s, _me(), _form("email"), _form("topics"), _form("languages")
                ),
                _("Appointed: the editor takes submissions of their topics and languages."),
                flash_refusal=False,
            )
            return redirect(url_for("review.editors"))
        except Refused as refused:
            error = refused
    return _form_page(
        "review/editors.html",
        error,
        editors=review_people.editors(s),
        topic_words=review_people.topic_words,
    )


@bp.route("/reviews/editors/<id:editor_id>/end", methods=["POST"])
@requires(Role.CONSORTIUM_ADMIN)
def end_editor(editor_id: int) -> Response:
    """End an editor's appointment."""
    attempt(
        lambda: review_people.end_editor(db.session(), _me(), editor_id),
        _("The appointment has ended."),
    )
    return redirect(url_for("review.editors"))


@bp.route("/reviews/vetting", methods=["GET", "POST"])
@requires(Role.SCHOOL_ADMIN)
def vetting() -> Any:
    """A school admin says whether the school's submissions are vetted first, and by whom."""
    me, s = _me(), db.session()
    if request.method == "POST":
        attempt(
            lambda: review_people.set_vetting(
                s,
                me,
                request.form.get("required") == "1",
                [int(v) for v in request.form.getlist("vetters") if v.isdigit()],
            ),
            _("Saved."),
        )
        return redirect(url_for("review.vetting"))
    assert me.school_id is not None
    return render_template(
        "review/vetting.html",
        rule=review_people.vetting_of(s, me.school_id),
        teachers=review_people.school_staff(s, me.school_id),
    )


# Credit -----------------------------------------------------------------------------------------


@bp.route("/reviews/given/<id:review_id>/certificate.pdf")
@requires()
def certificate(review_id: int) -> Response:
    """The certificate of one of the reviewer's own completed reviews (404 for anyone else)."""
    me = _me()
    try:
        given = review_credit.given_review(db.session(), me, review_id)
    except NotFound:
        abort(404)
    pdf = review_credit.certificate_pdf(given, me.name, request.host_url.rstrip("/"))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="certificate-of-review-{review_id}.pdf"'
        },
    )
