"""Teacher reviews and error reports: the forms, one report and its answer, the school's
reports, and what the material page shows of them (``page_parts``).

Every material is read through the catalogue (``services.feedback`` asks it too): a material
the person may not view is a 404 here as everywhere.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import db
from ..models import (
    STAFF,
    ErrorKind,
    ErrorReport,
    ErrorReportStatus,
    MaterialVersion,
    Person,
)
from ..services import feedback, geography
from ..services.errors import NotFound
from ..services.vocabularies import LEVELS
from . import reader
from .access import requires
from .actions import Refused, perform
from .converters import id_or_404
from .navigation import safe_next
from .reader import signed_in

bp = Blueprint("feedback", __name__)

Page = str | tuple[str, int]


def _version(material_id: int, number: int | None) -> MaterialVersion:
    try:
        return reader.catalogue().version(material_id, number, "view")
    except NotFound:
        abort(404)


def _number() -> int | None:
    """The version asked for (``v``, in the address or the form)."""
    return id_or_404(request.values.get("v"))


def _refusal(exc: Refused) -> dict[str, str]:
    """A refusal's messages by field (the whole form's under ``form``)."""
    return getattr(exc.__cause__, "errors", None) or {exc.field or "form": exc.message}


def page_parts(version: MaterialVersion, me: Person | None) -> dict[str, Any]:
    """What the material page shows of reviews and reports (``version`` was read through the
    catalogue, so the reader may view it)."""
    s = db.session()
    reports = feedback.reports(s, me, version)
    return {
        "reviews": feedback.reviews(s, version.material),
        "my_review": feedback.review_of(s, me, version.material_id) if me else None,
        "may_review": me is not None and feedback.why_not_review(me, version) is None,
        "may_report": me is not None and feedback.why_not_report(version) is None,
        "reports": reports,
        # For the owner school's staff: each report's possible answers and fixing versions.
        "answerable": {r.id: _answers(r) for r in reports.full} if reports.own_staff else {},
        "levels": LEVELS,
    }


def _answers(found: ErrorReport) -> tuple[list[ErrorReportStatus], list[int]]:
    """The answers a report may be given next, in order, and the versions that may fix it."""
    order = list(ErrorReportStatus)
    return sorted(feedback.NEXT[found.status], key=order.index), feedback.fix_versions(found)


# Reviews ---------------------------------------------------------------------------------------


@bp.route("/materials/<id:material_id>/review", methods=["GET", "POST"])
@requires(*STAFF)
def review(material_id: int) -> Page | Response:
    """Write or edit one's review of another school's material."""
    me = signed_in()
    version = _version(material_id, _number())
    refusal = feedback.why_not_review(me, version)
    if refusal is not None:
        return _review_page(version, feedback.ReviewForm(), {}, refusal), 409
    if request.method == "GET":
        return _review_page(version, _review_form_of(me, version), {})
    typed = feedback.ReviewForm(
        **{name: request.form.get(name, "") for name in feedback.ReviewForm.__dataclass_fields__}
    )
    try:
        perform(
            lambda: feedback.save_review(db.session(), me, material_id, version.number, typed),
            _("Thank you: your review is saved."),
            flash_refusal=False,
        )
    except Refused as exc:
        return _review_page(version, typed, _refusal(exc)), exc.status
    return redirect(url_for("materials.show", material_id=material_id) + "#reviews")


def _review_form_of(me: Person, version: MaterialVersion) -> feedback.ReviewForm:
    """The form as it starts: the person's review, else their school's country and the
    material's level."""
    mine = feedback.review_of(db.session(), me, version.material_id)
    if mine is None:
        country = me.school.country if me.school else ""
        return feedback.ReviewForm(level=version.level, country=country)
    return feedback.ReviewForm(
        rating=str(mine.rating),
        level=mine.level,
        class_size=str(mine.class_size),
        country=mine.country,
        comment=mine.comment,
    )


def _review_page(
    version: MaterialVersion,
    form: feedback.ReviewForm,
    errors: dict[str, str],
    refusal: str | None = None,
) -> str:
    return render_template(
        "feedback/review.html",
        version=version,
        refusal=refusal,
        form=form,
        errors=errors,
        levels=LEVELS,
        countries=geography.countries(),
        limit=feedback.COMMENT_LIMIT,
        most_learners=feedback.CLASS_SIZE_LIMIT,
    )


# Reports ---------------------------------------------------------------------------------------


@bp.route("/materials/<id:material_id>/report", methods=["GET", "POST"])
@requires()
def report(material_id: int) -> Page | Response:
    """Report an error in a version one may view."""
    me = signed_in()
    version = _version(material_id, _number())
    refusal = feedback.why_not_report(version)
    if refusal is not None:
        return _report_form(version, "", "", {}, refusal), 409
    if request.method == "GET":
        return _report_form(version, request.args.get("kind", ""), "", {})
    kind, description = request.form.get("kind", ""), request.form.get("description", "")
    try:
        made = perform(
            lambda: feedback.report_error(
                db.session(), me, material_id, version.number, kind, description
            ),
            _("Thank you: the school that owns it is told, and you will hear of its answer."),
            flash_refusal=False,
        )
    except Refused as exc:
        return _report_form(version, kind, description, _refusal(exc)), exc.status
    return redirect(url_for("feedback.report_page", report_id=made.id))


def _report_form(
    version: MaterialVersion,
    kind: str,
    description: str,
    errors: dict[str, str],
    refusal: str | None = None,
) -> str:
    return render_template(
        "feedback/report_form.html",
        version=version,
        refusal=refusal,
        kinds=list(ErrorKind),
        kind=kind,
        description=description,
        errors=errors,
        limit=feedback.DESCRIPTION_LIMIT,
    )


@bp.route("/reports/<id:report_id>")
@requires()
def report_page(report_id: int) -> str:
    """One report, for its reporter and the owner school's staff (who answer it here)."""
    return _one_report(_report_of(report_id), feedback.Answer(), {})


def _report_of(report_id: int) -> ErrorReport:
    try:
        return feedback.report_of(db.session(), signed_in(), report_id)
    except NotFound:
        abort(404)


def _one_report(found: ErrorReport, given: feedback.Answer, errors: dict[str, str]) -> str:
    return render_template(
        "feedback/report.html",
        report=found,
        title=reader.catalogue().shown_versions([found.material_id]).get(found.material_id),
        own_staff=reader.catalogue().manages(found.material),
        answers=_answers(found),
        given=given,
        errors=errors,
        back=request.values.get("back", ""),
    )


@bp.route("/reports/<id:report_id>/answer", methods=["POST"])
@requires(*STAFF)
def answer(report_id: int) -> Page | Response:
    """The owner school's answer: confirmed, fixed in a version, or declined with a reason."""
    given = feedback.Answer(
        status=request.form.get("status", ""),
        fixed_in=request.form.get("fixed_in", ""),
        reason=request.form.get("reason", ""),
    )
    try:
        perform(
            lambda: feedback.answer(db.session(), signed_in(), report_id, given),
            _("Your answer is saved; the reporter is told."),
            flash_refusal=False,
        )
    except Refused as exc:
        return _one_report(_report_of(report_id), given, _refusal(exc)), exc.status
    back = url_for("feedback.report_page", report_id=report_id)
    return redirect(safe_next(request.form.get("back"), back))


@bp.route("/school/reports")
@requires(*STAFF)
def school_reports() -> str:
    """Reports about our school's materials, those waiting for an answer first."""
    listed = feedback.school_reports(db.session(), signed_in())
    return render_template(
        "feedback/school_reports.html", listed=listed, waiting=feedback.open_count(listed)
    )
