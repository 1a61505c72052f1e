"""Web forms (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..services.accounts import MIN_PASSWORD_LENGTH

_new_password = [
    DataRequired(message="Choose a password."),
    Length(
        min=MIN_PASSWORD_LENGTH,
        max=1024,
        message=f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.",
    ),
]
_repeat = [
    DataRequired(message="Type the password again."),
    EqualTo("password", message="The two passwords differ."),
]


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(message="Enter your email.")])
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(message="Enter your email.")])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=_new_password)
    confirm = PasswordField("New password again", validators=_repeat)


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        "Your name", validators=[DataRequired(message="Enter your name."), Length(max=200)]
    )
    password = PasswordField("Choose a password", validators=_new_password)
    confirm = PasswordField("Password again", validators=_repeat)


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(message="Enter your current password.")]
    )
    password = PasswordField("New password", validators=_new_password)
    confirm = PasswordField("New password again", validators=_repeat)
