"""Usage statistics: a school's dashboard (its admin's), one material's use (its school's
staff), the consortium's flows (consortium admins), each table also as CSV.

The figures come from ``services.statistics`` (aggregates of ``usage_month``); titles of
materials through the catalogue; counts under five are shown as "< 5" on pages and in CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import db
from ..models import STAFF, IncomeGroup, MaterialVersion, Role, School
from ..services import charts, geography, statistics
from ..services.errors import NotFound
from . import reader
from .access import requires

bp = Blueprint("statistics", __name__)
# Counts as pages show them ("< 5"), and a change as a percentage in the reader's language.
bp.add_app_template_global(statistics.shown, "shown")
bp.add_app_template_filter(format_percent, "percent")

#: Each kind of use in words (``usage.KINDS``).
KIND_WORDS = {
    "view": _l("Page views"),
    "preview": _l("Files read on screen"),
    "download": _l("Downloads"),
    "adoption": _l("Adoptions"),
    "adaptation": _l("Adaptations"),
    "translation": _l("Translations"),
    "module": _l("Modules started"),
    "launch": _l("Launches from courses"),
}


def kind_words(kind: str) -> str:
    """A kind of use in words."""
    return str(KIND_WORDS.get(kind, kind))


def _month() -> str | None:
    """The last month of the period asked for (``?end=YYYY-MM``), else this month."""
    end = request.args.get("end", "")
    valid = len(end) == 7 and end[4] == "-" and end[:4].isdigit() and end[5:].isdigit()
    return end if valid and 1 <= int(end[5:]) <= 12 else None


def _income(code: str) -> str:
    return str(IncomeGroup(code).label)


def _csv(name: str, header: list[str], rows: Iterable[list[Any]]) -> Response:
    """A CSV download (UTF-8 with a byte-order mark, which spreadsheets read as UTF-8)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _counts(rows: Iterable[tuple[str, int]], words: Callable[[str], str] = str) -> list[list[str]]:
    listed = list(rows)
    return [
        *([words(label), statistics.shown(n)] for label, n in listed),
        [_("Total"), statistics.shown(sum(n for _label, n in listed))],
    ]


# A school's dashboard ------------------------------------------------------------------------


def _school_board() -> statistics.SchoolDashboard:
    s = db.session()
    school = s.get(School, current_user.school_id)
    assert school is not None
    return statistics.school_dashboard(s, reader.catalogue(), school, _month())


@bp.route("/school/report")
@requires(Role.SCHOOL_ADMIN)
def school() -> str:
    """What the school gives and takes, where in the world, and against last year."""
    board = _school_board()
    return render_template(
        "statistics/school.html",
        board=board,
        kind_words=kind_words,
        income=_income,
        world=charts.world_map(board.by_country),
        trend=charts.trend(board.given.months, board.given.this_year, board.given.last_year),
    )


def _school_tables(
    board: statistics.SchoolDashboard,
) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Every table of the school's dashboard as (header, rows) for CSV."""
    trend = [
        [month, statistics.shown(given), statistics.shown(last), statistics.shown(taken)]
        for month, given, last, taken in zip(
            board.given.months,
            board.given.this_year,
            board.given.last_year,
            board.taken.this_year,
            strict=True,
        )
    ]
    given, taken = board.given, board.taken
    totals = (given.total, given.total_last_year, taken.total)
    trend.append([_("Total"), *(statistics.shown(n) for n in totals)])
    last_year = board.given_by_kind_last_year
    return {
        "months": (
            [_("Month"), _("Uses of our materials"), _("A year before"), _("Our uses of others'")],
            trend,
        ),
        "countries": (
            [_("Country"), _("Uses")],
            _counts(board.by_country.items(), geography.country_display_name),
        ),
        "schools": ([_("School"), _("Uses")], _counts(board.by_school)),
        "income": ([_("Income group"), _("Uses")], _counts(board.by_income.items(), _income)),
        "regions": (
            [_("Region"), _("Uses")],
            _counts(board.by_region.items(), geography.subregion_display_name),
        ),
        "kinds": (
            [_("Kind of use"), _("Uses"), _("A year before")],
            [
                [kind_words(k), statistics.shown(n), statistics.shown(last_year.get(k, 0))]
                for k, n in board.given_by_kind.items()
            ],
        ),
        "materials": (
            [_("Material"), _("Uses")],
            _counts((t.title, t.uses) for t in board.top),
        ),
    }


@bp.route(
    "/school/report/<any(months, countries, schools, income, regions, kinds, materials):table>.csv"
)
@requires(Role.SCHOOL_ADMIN)
def school_csv(table: str) -> Response:
    """One table of the dashboard as CSV (the page's figures, "< 5" included)."""
    board = _school_board()
    header, rows = _school_tables(board)[table]
    return _csv(f"{board.period.end}-{table}", header, rows)


# One material ------------------------------------------------------------------------------------


def _material_stats(material_id: int) -> tuple[statistics.MaterialStatistics, MaterialVersion]:
    catalogue = reader.catalogue()
    try:
        version = catalogue.version(material_id)
    except NotFound:
        abort(404)
    # The policy decides who manages a material (its own school's staff): they see its use.
    if not catalogue.decide(version, "manage"):
        abort(403, description=_("A material's statistics are its own school's."))
    return statistics.material_statistics(
        db.session(), catalogue, version.material, _month()
    ), version


@bp.route("/materials/<id:material_id>/statistics")
@requires(*STAFF)
def material(material_id: int) -> str:
    """How one of the school's materials is used by others, and what was made of it."""
    stats, version = _material_stats(material_id)
    uses = stats.all_uses
    return render_template(
        "statistics/material.html",
        stats=stats,
        version=version,
        kind_words=kind_words,
        trend=charts.trend(uses.months, uses.this_year, uses.last_year),
    )


# The consortium ---------------------------------------------------------------------------------


@bp.route("/consortium/statistics")
@requires(Role.CONSORTIUM_ADMIN)
def consortium() -> str:
    """Who shares with whom: flows between regions and income groups."""
    board = statistics.consortium_dashboard(db.session(), reader.catalogue(), _month())
    return render_template(
        "statistics/consortium.html",
        board=board,
        across=[(t.title, t.uses) for t in board.across_regions],
        regions=charts.matrix(board.regions, board.regions, board.region_flows),
        region_words={r: geography.subregion_display_name(r) for r in board.regions},
        incomes=charts.matrix(board.incomes, board.incomes, board.income_flows),
        income_words={g: _income(g) for g in board.incomes},
    )
