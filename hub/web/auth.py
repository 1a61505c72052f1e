"""Sign in and out, invitations, password reset and change."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from .. import db
from ..extensions import limiter, submitted_email
from ..mail import mail_language, queue_mail
from ..services import accounts
from ..services.errors import LinkInvalid, ServiceError
from .access import public, requires
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    ResetPasswordForm,
    SignInForm,
)
from .navigation import safe_next  # also imported from here (auth.safe_next)
from .reader import signed_in

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED = _l("That email and password do not match an active account.")


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", methods=["POST"])
@limiter.limit("10 per minute", methods=["POST"], key_func=submitted_email)
def sign_in() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = SignInForm()
    if form.validate_on_submit():
        s = db.session()
        person = accounts.authenticate(s, form.email.data or "", form.password.data or "")
        if person is not None:
            s.commit()
            login_user(person, remember=bool(form.remember.data))
            flash(_("Welcome, %(name)s.", name=person.name), "success")
            return redirect(safe_next(request.args.get("next")))
        form.password.errors = [str(SIGN_IN_FAILED)]
        return render_template("auth/sign_in.html", form=form), 401
    return _form_page("auth/sign_in.html", form)


def _form_page(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """A form's page: 200 when it is first shown, 400 when what was sent did not pass."""
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


@bp.route("/sign-out", methods=["POST"])
@requires()
def sign_out() -> Response:
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"], key_func=submitted_email)
def forgot_password() -> str | Response | tuple[str, int]:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        person = accounts.find_person(db.session(), form.email.data or "")
        if person is not None and person.active:
            token = accounts.make_reset_token(current_app.config["SECRET_KEY"], person)
            link = url_for("auth.reset_password", token=token, _external=True)
            # In the language the person chose for the hub (English if they never chose).
            with force_locale(mail_language(person)):
                queue_mail(
                    person.email,
                    _("Reset your password"),
                    _(
                        "Hello %(name)s,\n\nTo choose a new password, open this link within an "
                        "hour:\n\n%(link)s\n\nIf you did not ask for this, ignore this message.",
                        name=person.name,
                        link=link,
                    ),
                )
        # The same answer whether or not the email is known, so that accounts cannot be probed.
        flash(
            _("If that email has an account, a reset link is on its way. It works for one hour."),
            "info",
        )
        return redirect(url_for("auth.sign_in"))
    return _form_page("auth/forgot_password.html", form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> str | Response | tuple[str, int]:
    s = db.session()
    secret = current_app.config["SECRET_KEY"]
    try:
        accounts.person_for_reset(s, secret, token)
    except LinkInvalid as exc:
        return render_template("auth/link_invalid.html", message=exc.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            db.committed(
                lambda: accounts.reset_password(s, secret, token, form.password.data or "")
            )
        except ServiceError as exc:
            form.password.errors = [exc.message]
        else:
            flash(_("Your password is changed. Sign in with it now."), "success")
            return redirect(url_for("auth.sign_in"))
    return _form_page("auth/reset_password.html", form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str) -> str | Response | tuple[str, int]:
    s = db.session()
    try:
        invitation = accounts.open_invitation(s, token)
    except LinkInvalid as exc:
        return render_template("auth/link_invalid.html", message=exc.message), 400
    form = AcceptInvitationForm(name=invitation.name)
    if form.validate_on_submit():
        try:
            person = db.committed(
                lambda: accounts.accept_invitation(
                    s, token, name=form.name.data or "", password=form.password.data or ""
                )
            )
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            if current_user.is_authenticated:
                logout_user()
            login_user(person)
            flash(_("Welcome to the hub, %(name)s.", name=person.name), "success")
            return redirect(url_for("main.home"))
    return _form_page("auth/accept_invitation.html", form, invitation=invitation)


@bp.route("/account/password", methods=["GET", "POST"])
@requires()
def change_password() -> str | Response | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        person = signed_in()
        current, new = form.current_password.data or "", form.password.data or ""
        try:
            db.committed(lambda: accounts.change_password(db.session(), person, current, new))
        except ServiceError as exc:
            getattr(form, exc.field or "password").errors = [exc.message]
        else:
            # The session id includes the password fingerprint: sign in again with the new one.
            login_user(person)
            flash(_("Your password is changed. Other devices are signed out."), "success")
            return redirect(url_for("main.account"))
    return _form_page("auth/change_password.html", form)
