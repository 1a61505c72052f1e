"""The school admin's console: the school's profile, people and invitations."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from .. import db
from ..mail import mail_language, queue_mail
from ..models import SCHOOL_ROLES, Role, School, utcnow
from ..services import accounts, bulk_invite, people, tokens
from ..services.errors import ServiceError
from ..services.languages import resolve_languages
from ..services.membership import normalize_website
from .access import requires
from .actions import Refused, perform
from .converters import db_id
from .forms import CsvUploadForm, InviteForm, SchoolProfileForm
from .navigation import safe_next

bp = Blueprint("school_admin", __name__, url_prefix="/school")

PAGE_SIZE = 50


def _admin_school() -> School:
    school = db.session().get(School, current_user.school_id)
    assert school is not None
    return school


def send_invitations(issued: list[accounts.IssuedInvitation]) -> None:
    """Mail each new invitation its link (after the transaction has committed).

    The invitees have no account yet, so the mail speaks the sender's interface language.
    """
    with force_locale(mail_language(None)):
        for item in issued:
            inv = item.invitation
            link = url_for("auth.accept_invitation", token=item.token, _external=True)
            greeting = _("Hello %(name)s,", name=inv.name) if inv.name else _("Hello,")
            queue_mail(
                inv.email,
                _("Join %(school)s on the consortium hub", school=inv.school.name),
                greeting
                + "\n\n"
                + _(
                    "%(school)s invites you to the consortium hub as a %(role)s. Open this "
                    "link within 14 days to choose your password:\n\n%(link)s\n",
                    school=inv.school.name,
                    role=inv.role.label,
                    link=link,
                ),
            )


@bp.route("/", methods=["GET", "POST"])
@requires(Role.SCHOOL_ADMIN)
def profile() -> str | Response | tuple[str, int]:
    school = _admin_school()
    form = SchoolProfileForm(obj=None if request.method == "POST" else school)
    if request.method == "GET":
        form.languages.data = ", ".join(school.languages)
    status = 200
    if form.validate_on_submit():

        def save() -> None:
            school.languages = resolve_languages(form.languages.data or "")
            school.website = normalize_website(form.website.data or "")
            contact = (form.contact_email.data or "").strip()
            school.contact_email = accounts.normalize_email(contact) if contact else None

        try:
            perform(save, _("The school's profile is saved."), flash_refusal=False)
            return redirect(url_for("school_admin.profile"))
        except Refused as exc:
            getattr(form, exc.field or "website", form.website).errors = [exc.message]
            status = exc.status
    elif request.method == "POST":
        status = 400
    return render_template("school_admin/profile.html", school=school, form=form), status


@bp.route("/people")
@requires(Role.SCHOOL_ADMIN)
def people_list() -> str:
    return _people_page()


def _people_page(status: int = 200, invite_form: InviteForm | None = None) -> str:
    role_arg = request.args.get("role", "")
    active_arg = request.args.get("active", "")
    flt = people.PeopleFilter(
        text=request.args.get("q", ""),
        role=Role(role_arg) if role_arg in {r.value for r in Role} else None,
        active={"yes": True, "no": False}.get(active_arg),
    )
    # In the id range, so that its OFFSET fits the database's integers (else a 500).
    page = db_id(request.args.get("page")) or 1
    s = db.session()
    query = people.people_query(current_user, flt)
    found = s.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "school_admin/people.html",
        school=_admin_school(),
        people=found[:PAGE_SIZE],
        has_more=len(found) > PAGE_SIZE,
        page=page,
        flt=flt,
        role_arg=role_arg,
        active_arg=active_arg,
        roles=list(SCHOOL_ROLES),
        invite_form=invite_form or InviteForm(),
        invitations=people.invitations(s, current_user),
        invitation_state=people.invitation_state,
        invitation_state_labels=people.INVITATION_STATE_LABELS,
        school_tokens=tokens.school_tokens(s, current_user),
        scope_labels=tokens.SCOPE_LABELS,
        now=utcnow(),
    ), status  # type: ignore[return-value]


def _back_to_people() -> Response:
    return redirect(safe_next(request.form.get("back"), url_for("school_admin.people_list")))


@bp.route("/people/<id:person_id>/role", methods=["POST"])
@requires(Role.SCHOOL_ADMIN)
def change_role(person_id: int) -> Response | str:
    role_text = request.form.get("role", "")
    if role_text not in {r.value for r in Role}:
        return _people_page(400)
    try:
        person = perform(
            lambda: people.change_role(db.session(), current_user, person_id, Role(role_text))
        )
    except Refused as exc:
        return _people_page(exc.status)
    return _flash_and_back(
        _("%(name)s is now a %(role)s.", name=person.name, role=person.role.label)
    )


@bp.route("/people/<id:person_id>/<any(deactivate, reactivate):action>", methods=["POST"])
@requires(Role.SCHOOL_ADMIN)
def set_active(person_id: int, action: str) -> Response | str:
    active = action == "reactivate"
    try:
        person = perform(lambda: people.set_active(db.session(), current_user, person_id, active))
    except Refused as exc:
        return _people_page(exc.status)
    if active:
        return _flash_and_back(_("%(name)s can sign in again.", name=person.name))
    return _flash_and_back(_("%(name)s can no longer sign in. Their work stays.", name=person.name))


def _flash_and_back(message: str) -> Response:
    flash(message, "success")
    return _back_to_people()


@bp.route("/invitations", methods=["POST"])
@requires(Role.SCHOOL_ADMIN)
def invite() -> Response | str:
    form = InviteForm()
    if not form.validate_on_submit():
        return _people_page(400, form)
    try:
        issued = perform(
            lambda: people.invite_one(
                db.session(),
                current_user,
                form.email.data or "",
                Role(form.role.data),
                form.name.data,
            ),
            flash_refusal=False,
        )
    except Refused as exc:
        form.email.errors = [exc.message]
        return _people_page(exc.status, form)
    send_invitations([issued])
    return _flash_and_back(_("Invitation sent to %(email)s.", email=issued.invitation.email))


@bp.route("/invitations/<id:invitation_id>/resend", methods=["POST"])
@requires(Role.SCHOOL_ADMIN)
def resend(invitation_id: int) -> Response | str:
    try:
        issued = perform(
            lambda: people.resend_invitation(db.session(), current_user, invitation_id)
        )
    except Refused as exc:
        return _people_page(exc.status)
    send_invitations([issued])
    return _flash_and_back(
        _("A new invitation is on its way to %(email)s.", email=issued.invitation.email)
    )


@bp.route("/invitations/<id:invitation_id>/revoke", methods=["POST"])
@requires(Role.SCHOOL_ADMIN)
def revoke(invitation_id: int) -> Response | str:
    try:
        inv = perform(lambda: people.revoke_invitation(db.session(), current_user, invitation_id))
    except Refused as exc:
        return _people_page(exc.status)
    return _flash_and_back(
        _("The invitation of %(email)s is withdrawn; its link no longer works.", email=inv.email)
    )


# Bulk invitation from CSV -----------------------------------------------------------------


def _csv_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="hub.bulk-invite")


@bp.route("/invitations/import", methods=["GET", "POST"])
@requires(Role.SCHOOL_ADMIN)
def import_csv() -> str | tuple[str, int]:
    """Step 1: upload; the answer is the preview, with every row's verdict. Nothing is written."""
    form = CsvUploadForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("school_admin/import.html", form=form, preview=None), status
    data = form.file.data.read()
    school = _admin_school()
    try:
        preview = bulk_invite.preview(db.session(), school, data)
    except ServiceError as exc:
        form.file.errors = [exc.message]
        return render_template("school_admin/import.html", form=form, preview=None), 400
    # The file travels to the confirm step signed (and compressed), so nothing is kept server-side
    # and it cannot be altered between preview and confirmation.
    payload = _csv_serializer().dumps(data.decode("utf-8-sig"))
    return render_template(
        "school_admin/import.html",
        form=form,
        preview=preview,
        payload=payload,
        counts=preview.counts(),
    )


@bp.route("/invitations/import/confirm", methods=["POST"])
@requires(Role.SCHOOL_ADMIN)
def confirm_import() -> Response | tuple[str, int]:
    """Step 2: invite every row that is still ``new``, in one transaction."""
    try:
        text = _csv_serializer().loads(request.form.get("payload", ""))
    except BadSignature:
        abort(400, _("The preview has expired or was altered; upload the file again."))
    school = _admin_school()
    try:
        issued = perform(
            lambda: bulk_invite.invite_all(db.session(), current_user, school, text.encode("utf-8"))
        )
    except Refused as exc:
        return render_template(
            "school_admin/import.html", form=CsvUploadForm(), preview=None
        ), exc.status
    send_invitations(issued)
    flash(
        ngettext("%(num)d invitation sent.", "%(num)d invitations sent.", len(issued)),
        "success",
    )
    return redirect(url_for("school_admin.people_list"))
