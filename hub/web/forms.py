"""Web forms (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

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

from ..services.accounts import MIN_PASSWORD_LENGTH


def _choices(*pairs: tuple[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


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


class SchoolProfileForm(FlaskForm):
    """What a school says about itself (and can change later)."""

    languages = StringField(
        "Languages of instruction",
        validators=[DataRequired(message="Name at least one language of instruction.")],
    )
    website = StringField(
        "Website", validators=[DataRequired(message="Give the school's website.")]
    )
    contact_email = EmailField("Contact email for the consortium (optional)")


class ApplyForm(SchoolProfileForm):
    school_name = StringField(
        "Name of the school",
        validators=[DataRequired(message="Give the school's name."), Length(max=200)],
    )
    country = StringField("Country", validators=[DataRequired(message="Choose the country.")])
    admin_name = StringField(
        "Your name", validators=[DataRequired(message="Enter your name."), Length(max=200)]
    )
    admin_email = EmailField("Your email", validators=[DataRequired(message="Enter your email.")])
    password = PasswordField("Choose a password", validators=_new_password)
    confirm = PasswordField("Password again", validators=_repeat)


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason (the school sees it)", validators=[Length(max=2000)])


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(message="Enter an email.")])
    name = StringField("Name (optional)", validators=[Length(max=200)])
    role = SelectField(
        "Role",
        choices=_choices(
            ("student", "Student"), ("teacher", "Teacher"), ("school_admin", "School admin")
        ),
        default="student",
    )


class CsvUploadForm(FlaskForm):
    file = FileField(
        "CSV file with the columns email, name, role",
        validators=[FileRequired(message="Choose a CSV file.")],
    )


class IncomeGroupForm(FlaskForm):
    income_group = SelectField(
        "World Bank income group",
        choices=_choices(
            ("HIC", "High income"),
            ("UMC", "Upper-middle income"),
            ("LMC", "Lower-middle income"),
            ("LIC", "Low income"),
        ),
    )
