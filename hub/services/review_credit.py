"""Credit for peer review: a reviewer's completed reviews (listed on their account page), a
certificate of review as a PDF (for the reviewer alone), and the reviews a school's people gave,
counted for its usage dashboard ("we gave 14 reviews").

A review counts for the school its reviewer belonged to when reviewing (``Review.school_id``):
moving school later takes no credit away from the first. The material is named as the reviewer
may see it now (through the catalogue): one no longer shared with them is not named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import MaterialVersion, Person, Review, School, Submission
from .catalogue import Catalogue
from .errors import NotFound

#: Who the certificates speak for.
CONSORTIUM = "Consortium Hub"
#: A font with the letters of most scripts, where the system has it (Debian's fonts-dejavu);
#: without it the certificate falls back to Helvetica and the letters Windows-1252 has.
UNICODE_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)


@dataclass(frozen=True)
class GivenReview:
    """One completed review, as its reviewer sees it: ``title`` is empty where the material
    is no longer shared with them."""

    review_id: int
    material_id: int
    title: str
    version_number: int
    submitted_at: dt.datetime
    school_name: str  # the reviewer's school when they reviewed


def given_reviews(session: Session, person: Person) -> list[GivenReview]:
    """The person's completed reviews, newest first."""
    rows = session.execute(
        select(Review.id, Submission.material_id, MaterialVersion.number, Review.submitted_at)
        .add_columns(School.name)
        .join(Submission, Submission.id == Review.submission_id)
        .join(MaterialVersion, MaterialVersion.id == Review.version_id)
        .join(School, School.id == Review.school_id)
        .where(Review.reviewer_id == person.id)
        .order_by(Review.submitted_at.desc(), Review.id.desc())
    ).all()
    shown = Catalogue.of(session, person).shown_versions(row[1] for row in rows)
    return [
        GivenReview(
            review_id,
            material_id,
            shown[material_id].title if material_id in shown else "",
            number,
            submitted_at,
            school_name,
        )
        for review_id, material_id, number, submitted_at, school_name in rows
    ]


def given_review(session: Session, person: Person, review_id: int) -> GivenReview:
    """One of the person's completed reviews; ``NotFound`` for anyone else's (or none)."""
    for given in given_reviews(session, person):
        if given.review_id == review_id:
            return given
    raise NotFound(_("There is no such review."))


def reviews_given(session: Session, school_id: int, start: dt.datetime, end: dt.datetime) -> int:
    """How many reviews the school's people completed from ``start`` until before ``end``."""
    return (
        session.scalar(
            select(func.count(Review.id)).where(
                Review.school_id == school_id,
                Review.submitted_at >= start,
                Review.submitted_at < end,
            )
        )
        or 0
    )


def reviews_given_in_months(session: Session, school_id: int, months: Sequence[str]) -> int:
    """``reviews_given`` over consecutive months ('YYYY-MM', oldest first), for the dashboard."""
    return reviews_given(session, school_id, _month_start(months[0]), _month_after(months[-1]))


def _month_start(month: str) -> dt.datetime:
    year, number = (int(part) for part in month.split("-"))
    return dt.datetime(year, number, 1, tzinfo=dt.UTC)


def _month_after(month: str) -> dt.datetime:
    start = _month_start(month)
    return (start + dt.timedelta(days=32)).replace(day=1)


# The certificate ------------------------------------------------------------------------------


def certificate_pdf(given: GivenReview, reviewer_name: str, base_url: str = "") -> bytes:
    """A one-page certificate of review (A4, landscape) in the interface language: who
    reviewed which material, when, for the consortium."""
    from ..i18n import short_date

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(_("Certificate of review"))
    pdf.set_creator(CONSORTIUM)
    pdf.set_author(CONSORTIUM)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    write = _fonts(pdf)
    pdf.set_draw_color(31, 111, 67)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, 269, 182)
    what = given.title or _("a material no longer shared with you")
    lines = [
        (28, 12, CONSORTIUM, 50),
        (14, 26, _("Certificate of review"), 68),
        (13, 10, _("This certifies that"), 100),
        (22, 14, reviewer_name, 114),
        (12, 8, given.school_name, 128),
        (13, 10, _("completed a peer review of"), 142),
        (
            16,
            10,
            _("“%(title)s”, version %(number)d", title=what, number=given.version_number),
            154,
        ),
        (
            12,
            8,
            _(
                "for the cross-school peer review of the consortium's member schools, on %(date)s.",
                date=short_date(given.submitted_at),
            ),
            168,
        ),
        (
            9,
            6,
            " · ".join(
                filter(None, [_("Review no. %(number)d", number=given.review_id), base_url])
            ),
            186,
        ),
    ]
    for size, height, text, y in lines:
        pdf.set_y(y)
        write(size)
        pdf.multi_cell(0, height, _fit(pdf, text), align="C")
    return bytes(pdf.output())


def _fonts(pdf: FPDF) -> Callable[[int], None]:
    """Choose the certificate's font; returns a function that sets its size."""
    found = next((p for p in UNICODE_FONTS if p.is_file()), None)
    if found is not None:
        pdf.add_font("hub", "", str(found))
        family = "hub"
    else:
        family = "helvetica"
        pdf.core_fonts_encoding = "windows-1252"  # curly quotes and dashes too
    pdf.set_text_color(20, 30, 40)

    def size(points: int) -> None:
        pdf.set_font(family, size=points)

    return size


def _fit(pdf: FPDF, text: str) -> str:
    """The text as the chosen font can write it (Helvetica: Windows-1252 letters only)."""
    if pdf.font_family == "helvetica":
        return text.encode(pdf.core_fonts_encoding, "replace").decode(pdf.core_fonts_encoding)
    return text
