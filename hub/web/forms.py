"""Web forms (Flask-WTF: each carries its CSRF token).

Labels and messages are lazy strings: worded in the interface language when the form is drawn.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from ..models.school import IncomeGroup
from ..services.accounts import MIN_PASSWORD_LENGTH


def _choices(*pairs: tuple[str, Any]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


_new_password = [
    DataRequired(message=_l("Choose a password.")),
    Length(
        min=MIN_PASSWORD_LENGTH,
        max=1024,
        message=_l("Choose a password of at least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
    ),
]
_repeat = [
    DataRequired(message=_l("Type the password again.")),
    EqualTo("password", message=_l("The two passwords differ.")),
]


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Enter your email."))])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Enter your password."))]
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Enter your email."))])


class _NewPassword(FlaskForm):
    """A new password for an account, typed twice."""

    password = PasswordField(_l("New password"), validators=_new_password)
    confirm = PasswordField(_l("New password again"), validators=_repeat)


class _FirstPassword(FlaskForm):
    """The password of a new account, typed twice."""

    password = PasswordField(_l("Choose a password"), validators=_new_password)
    confirm = PasswordField(_l("Password again"), validators=_repeat)


class ResetPasswordForm(_NewPassword):
    """A new password, from the link of a reset email."""


class AcceptInvitationForm(_FirstPassword):
    name = StringField(
        _l("Your name"), validators=[DataRequired(message=_l("Enter your name.")), Length(max=200)]
    )


class ChangePasswordForm(_NewPassword):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
    )


class SchoolProfileForm(FlaskForm):
    """What a school says about itself (and can change later)."""

    languages = StringField(
        _l("Languages of instruction"),
        validators=[DataRequired(message=_l("Name at least one language of instruction."))],
    )
    website = StringField(
        _l("Website"), validators=[DataRequired(message=_l("Give the school's website."))]
    )
    contact_email = EmailField(_l("Contact email for the consortium (optional)"))


class ApplyForm(SchoolProfileForm, _FirstPassword):
    school_name = StringField(
        _l("Name of the school"),
        validators=[DataRequired(message=_l("Give the school's name.")), Length(max=200)],
    )
    country = StringField(
        _l("Country"), validators=[DataRequired(message=_l("Choose the country."))]
    )
    admin_name = StringField(
        _l("Your name"), validators=[DataRequired(message=_l("Enter your name.")), Length(max=200)]
    )
    admin_email = EmailField(
        _l("Your email"), validators=[DataRequired(message=_l("Enter your email."))]
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the school sees it)"), validators=[Length(max=2000)])


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Enter an email."))])
    name = StringField(_l("Name (optional)"), validators=[Length(max=200)])
    role = SelectField(
        _l("Role"),
        choices=_choices(
            ("student", _l("Student")),
            ("teacher", _l("Teacher")),
            ("school_admin", _l("School admin")),
        ),
        default="student",
    )


class CsvUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file with the columns email, name, role"),
        validators=[FileRequired(message=_l("Choose a CSV file."))],
    )


class IncomeGroupForm(FlaskForm):
    income_group = SelectField(
        _l("World Bank income group"),
        choices=_choices(*IncomeGroup.vocabulary().items()),
    )
