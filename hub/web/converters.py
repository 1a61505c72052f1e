"""Database ids from the request: in the path, the query string and forms.

Every id column is a PostgreSQL ``integer``. A number outside its range is no row of ours,
but reaching the database it is an error, not an empty answer (PostgreSQL: "integer out of
range"; SQLite's driver: ``OverflowError``), so such values stop here and are a 404.
"""

from __future__ import annotations

from flask import abort
from werkzeug.routing import IntegerConverter, Map

from ..models.base import ID_MAX, ID_MIN, is_id


def _up_to(maximum: int) -> str:
    """A regular expression for the numbers 1 to ``maximum`` in digits, no leading zeros."""
    digits = str(maximum)
    size = len(digits)
    # Fewer digits than the maximum: any number; as many: below it from some digit on.
    options = [rf"[1-9]\d{{0,{size - 2}}}"] if size > 1 else []
    for i, digit in enumerate(digits):
        lowest = 1 if i == 0 else 0
        if int(digit) > lowest:
            rest = rf"\d{{{size - i - 1}}}" if i < size - 1 else ""
            options.append(f"{digits[:i]}[{lowest}-{int(digit) - 1}]{rest}")
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route: a database id, 1 to 2**31 - 1; any other value is a 404.

    The range is in the pattern itself, not only checked after a match: a path that matched
    a rule's pattern but the wrong method would answer 405, as if the page existed.
    """

    regex = _up_to(ID_MAX)

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=ID_MIN, max=ID_MAX)


def db_id(value: str | None) -> int | None:
    """The id ``value`` spells (plain digits, in range), else None.

    Usable as ``type=`` of ``request.args.get``. Signs, spaces and non-ASCII digits are not
    ids (``int`` would take them).
    """
    return int(value) if value is not None and is_id(value) else None


def id_or_404(value: str | None) -> int | None:
    """None when ``value`` is absent or blank (the argument was not given); the id it spells;
    otherwise a 404, as for a bad id in the path."""
    if value is None or not value.strip():
        return None
    number = db_id(value.strip())
    if number is None:
        abort(404)
    return number
