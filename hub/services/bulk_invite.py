"""Inviting many people from a CSV file: preview with a verdict per row, then all or nothing.

The file has the columns ``email``, ``name`` and ``role`` (any order, any case), is UTF-8 with
or without a byte-order mark, and is separated by commas or semicolons (spreadsheets in many
countries write semicolons).
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass

from flask import has_request_context
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import SCHOOL_ROLES, Invitation, Person, Role, School, utcnow
from ..models.base import Choice
from . import accounts
from .errors import InvalidInput

MAX_ROWS = 20_000
REQUIRED_COLUMNS = ("email", "name", "role")

log = logging.getLogger(__name__)
# Spellings people use for the roles in a spreadsheet.
ROLE_WORDS = {
    "student": Role.STUDENT,
    "teacher": Role.TEACHER,
    "school_admin": Role.SCHOOL_ADMIN,
    "school admin": Role.SCHOOL_ADMIN,
    "admin": Role.SCHOOL_ADMIN,
}


class Verdict(Choice):
    """What happens to one row."""

    NEW = "new", _l("new")
    ALREADY_MEMBER = "already a member", _l("already a member")
    OTHER_SCHOOL = "member of another school", _l("member of another school")
    ALREADY_INVITED = "already invited", _l("already invited")
    INVALID_EMAIL = "invalid email", _l("invalid email")
    UNKNOWN_ROLE = "unknown role", _l("unknown role")
    DUPLICATE = "duplicate in file", _l("duplicate in file")

    @property
    def will_invite(self) -> bool:
        return self is Verdict.NEW


@dataclass(frozen=True)
class Row:
    """One data row of the file with its verdict."""

    line: int
    email: str
    name: str
    role_text: str
    role: Role | None
    verdict: Verdict
    message: str


@dataclass(frozen=True)
class Preview:
    """The verdict on every row; nothing has been written."""

    rows: list[Row]

    @property
    def to_invite(self) -> list[Row]:
        return [r for r in self.rows if r.verdict.will_invite]

    def counts(self) -> dict[Verdict, int]:
        counts = dict.fromkeys(Verdict, 0)
        for r in self.rows:
            counts[r.verdict] += 1
        return counts


def read_csv(data: bytes) -> list[dict[str, str]]:
    """Decode and split the file into rows keyed by lower-cased column name."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            _(
                "The file is not UTF-8 text (byte %(byte)d cannot be read). In your "
                "spreadsheet, save it as 'CSV UTF-8' and upload it again.",
                byte=exc.start + 1,
            ),
            field="file",
        ) from None
    if not text.strip():
        raise InvalidInput(_("The file is empty."), field="file")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        log.info("CSV file refused: %s", exc)  # Python's words, for the log only
        raise InvalidInput(
            _(
                "The file is not a readable CSV file. In your spreadsheet, save it as "
                "'CSV UTF-8' and upload it again."
            ),
            field="file",
        ) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        found = ", ".join(h for h in header if h) or _("nothing")
        raise InvalidInput(
            _(
                "The first line must name the columns email, name and role; it has "
                "%(found)s (missing: %(missing)s).",
                found=found,
                missing=", ".join(missing),
            ),
            field="file",
        )
    positions = {c: header.index(c) for c in REQUIRED_COLUMNS}
    rows: list[dict[str, str]] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                rows.append({})  # keep line numbers right; blank lines are skipped later
                continue
            rows.append(
                {c: (cells[i].strip() if i < len(cells) else "") for c, i in positions.items()}
            )
            if len(rows) > MAX_ROWS:
                raise InvalidInput(
                    _(
                        "The file has more than %(rows)s rows; split it.",
                        rows=format_number(MAX_ROWS) if has_request_context() else f"{MAX_ROWS:,}",
                    ),
                    field="file",
                )
    except csv.Error as exc:
        log.info("CSV line %d refused: %s", reader.line_num, exc)
        raise InvalidInput(
            _(
                "Line %(line)d cannot be read: a quotation mark may not be closed, or a cell "
                "may be far too long. Correct it in your spreadsheet and upload it again.",
                line=reader.line_num,
            ),
            field="file",
        ) from None
    return rows


def preview(session: Session, school: School, data: bytes) -> Preview:
    """The verdict on every row of ``data`` for ``school``; writes nothing."""
    raw_rows = read_csv(data)
    parsed: list[tuple[int, dict[str, str], str | None, str]] = []
    for index, raw in enumerate(raw_rows, start=2):
        if not raw:
            continue
        try:
            email = accounts.normalize_email(raw["email"])
            problem = ""
        except InvalidInput as exc:
            email, problem = None, exc.message
        parsed.append((index, raw, email, problem))

    emails = [e for _line, _raw, e, _problem in parsed if e]
    people: dict[str, int | None] = {}
    invited: set[str] = set()
    now = utcnow()
    # Look the whole file up in chunks: two queries per 500 rows, not two per row.
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        found = session.execute(
            select(Person.email, Person.school_id).where(Person.email.in_(chunk))
        )
        people.update((email, school_id) for email, school_id in found)
        invited.update(
            session.scalars(
                select(Invitation.email).where(
                    Invitation.school_id == school.id,
                    Invitation.email.in_(chunk),
                    Invitation.accepted_at.is_(None),
                    Invitation.revoked_at.is_(None),
                    Invitation.expires_at > now,
                )
            )
        )

    seen: set[str] = set()
    rows: list[Row] = []
    for line, raw, email, problem in parsed:
        role = ROLE_WORDS.get(raw["role"].strip().lower().replace("-", " ").replace("_", " "))
        role = role or ROLE_WORDS.get(raw["role"].strip().lower())
        if email is None:
            verdict, message = Verdict.INVALID_EMAIL, problem
        elif role is None or role not in SCHOOL_ROLES:
            verdict = Verdict.UNKNOWN_ROLE
            message = _(
                "'%(role)s' is not a role; use student, teacher or school admin.",
                role=raw["role"],
            )
        elif email in seen:
            verdict = Verdict.DUPLICATE
            message = _("%(email)s appears earlier in the file.", email=email)
        elif email in people:
            if people[email] == school.id:
                verdict = Verdict.ALREADY_MEMBER
                message = _("%(email)s is already a member.", email=email)
            else:
                verdict = Verdict.OTHER_SCHOOL
                message = _("%(email)s has an account with another school.", email=email)
        elif email in invited:
            verdict = Verdict.ALREADY_INVITED
            message = _("%(email)s has an open invitation.", email=email)
        else:
            verdict = Verdict.NEW
            message = _("Will be invited as %(role)s.", role=role.label)
        if email:
            seen.add(email)
        rows.append(
            Row(line, email or raw["email"], raw["name"], raw["role"], role, verdict, message)
        )
    return Preview(rows)


def invite_all(
    session: Session, admin: Person, school: School, data: bytes
) -> list[accounts.IssuedInvitation]:
    """Invite every row whose verdict is ``new``, in the caller's single transaction.

    The verdicts are worked out again, so a change since the preview cannot slip through.
    """
    result = preview(session, school, data)
    invitees = [(r.email, r.role, r.name or None) for r in result.to_invite if r.role is not None]
    return accounts.invite_checked(session, school, invitees, admin)
