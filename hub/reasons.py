"""The policy's reasons in words, in the reader's interface language (Flask-Babel).

``hub/policy`` decides and gives its reasons as codes with parameters (``policy.Reason``); the
pages, the mails and the services' refusals word them here, so that the rules know no request
and a decision can be shown in any language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from . import policy
from .i18n import join_words, short_date
from .services import geography

INCOME_WORDS = {
    "HIC": _l("high-income"),
    "UMC": _l("upper-middle-income"),
    "LMC": _l("lower-middle-income"),
    "LIC": _l("low-income"),
}
RIGHT_WORDS = {"view": _l("view"), "download": _l("download"), "adapt": _l("adapt")}
GRANT_KIND_WORDS = {
    "public": _l("public"),
    "consortium": _l("consortium"),
    "regions": _l("regions"),
    "income": _l("income"),
    "schools": _l("schools"),
}
NOT_LET = {
    "download": _l("You may see it, but its school does not let others download it."),
    "adapt": _l("You may see it, but its school does not let others adapt it."),
}


def describe_grant(grant: policy.Grant) -> str:
    """A grant in words, in the interface language: 'shared with low-income member schools'."""
    if grant.kind == "public":
        return _("shared with everyone")
    if grant.kind == "consortium":
        return _("shared with every member school of the consortium")
    if grant.kind == "regions":
        names = sorted(geography.subregion_display_name(code) for code in grant.values)
        return _("shared with member schools in %(places)s", places=join_words(names))
    if grant.kind == "income":
        order = list(policy.INCOME_GROUPS)
        ranked = sorted(grant.values, key=lambda v: (order.index(v) if v in order else 9, v))
        words = [str(INCOME_WORDS.get(v, v)) for v in ranked]
        return _("shared with %(groups)s member schools", groups=join_words(words))
    return ngettext(
        "shared with %(num)d named partner school",
        "shared with %(num)d named partner schools",
        len(grant.values),
    )


def _viewer_words(grant: policy.Grant, region: str | None, income: str | None) -> str:
    if grant.kind == "income" and income:
        # The group in words, with the World Bank's code people also know it by.
        words = INCOME_WORDS.get(income, income)
        return _("your school is %(group)s", group=f"{words} ({income})")
    if grant.kind == "regions" and region:
        return _("your school is in %(region)s", region=geography.subregion_display_name(region))
    if grant.kind == "schools":
        return _("your school is one of them")
    if grant.kind == "consortium":
        return _("your school is an active member")
    return _("anyone may see it")


def _day(moment: dt.datetime) -> str:
    # Outside a request (the command line, jobs) there is no reader: an ISO date.
    return short_date(moment) if has_request_context() else f"{moment:%Y-%m-%d}"


def _granted(r: policy.Reason) -> str:
    grant = r.param("grant")
    return _(
        "It is %(how_shared)s; %(why_you)s.",
        how_shared=describe_grant(grant),
        why_you=_viewer_words(grant, r.param("region"), r.param("income")),
    )


def _granted_to_your_school(r: policy.Reason) -> str:
    rights = join_words([str(RIGHT_WORDS.get(x, x)) for x in r.param("rights")])
    until, owner = r.param("until"), r.param("owner")
    if not owner:  # facts read for a listing carry no name
        return _("Your school was granted %(rights)s.", rights=rights)
    if until is None:
        return _("Your school was granted %(rights)s by %(owner)s.", rights=rights, owner=owner)
    return _(
        "Your school was granted %(rights)s until %(date)s by %(owner)s.",
        rights=rights,
        date=_day(until),
        owner=owner,
    )


def _kind(r: policy.Reason) -> str:
    return str(GRANT_KIND_WORDS.get(r.param("kind"), r.param("kind")))


_WORDING: dict[str, Callable[[policy.Reason], str]] = {
    "unknown-action": lambda r: _(
        "'%(action)s' is not something the hub lets anyone do.", action=r.param("action")
    ),
    "only-current-found": lambda r: _("Only the current published version is found in search."),
    "own-staff": lambda r: _(
        "It belongs to your school, and you are one of its teachers or admins."
    ),
    "only-owners-change": lambda r: _(
        "Only teachers and admins of the school that owns it can change it."
    ),
    "students-do-not-adapt": lambda r: _("Students do not adapt materials; a teacher can."),
    "draft": lambda r: _("It is a draft; only its school's teachers and admins see drafts."),
    "no-longer-published": lambda r: _("It is no longer published."),
    "version-no-longer-published": lambda r: _("This version is no longer published."),
    "teachers-only": lambda r: _("It is for teachers only (for example an exam bank)."),
    "embargoed": lambda r: _("It is embargoed until %(date)s.", date=_day(r.param("until"))),
    "ended": lambda r: _("It was available until %(date)s.", date=_day(r.param("until"))),
    "own-school": lambda r: _("It belongs to your school."),
    "adapting-needs-staff": lambda r: _(
        "Adapting makes a new material in your school; only teachers and admins of a school "
        "can adapt."
    ),
    "granted": _granted,
    "granted-to-your-school": _granted_to_your_school,
    "not-let": lambda r: str(NOT_LET[r.param("right")]),
    "licence-no-derivatives": lambda r: _(
        "Its licence, %(licence)s, allows no derivatives: no school may adapt it.",
        licence=r.param("licence"),
    ),
    "school-not-active": lambda r: _(
        "Your school is not an active member of the consortium just now, so you see "
        "only public materials of other schools."
    ),
    "not-public": lambda r: _("It is not public; sign in to see what your school may use."),
    "not-shared": lambda r: _("It is not shared with your school."),
    "public-needs-cc": lambda r: _(
        "A public grant needs a Creative Commons licence; %(licence)s is not.",
        licence=r.param("licence"),
    ),
    "nd-no-adapt": lambda r: _(
        "%(licence)s allows no derivatives, so no grant may give 'adapt'.",
        licence=r.param("licence"),
    ),
    "ceiling-kind": lambda r: _(
        "Your school's ceiling does not allow %(kind)s grants.", kind=_kind(r)
    ),
    "ceiling-rights": lambda r: _(
        "Your school's ceiling does not allow %(rights)s.",
        rights=join_words([str(RIGHT_WORDS.get(x, x)) for x in r.param("rights")]),
    ),
    "consent-own-school": lambda r: _("The patients consented to use in your school only."),
    "consent-not-public": lambda r: _(
        "The patients consented to use in the consortium, not publicly."
    ),
    "grant-needs-values": lambda r: _("A %(kind)s grant must name at least one.", kind=_kind(r)),
}


def word(reason: policy.Reason) -> str:
    """One reason in words."""
    return _WORDING[reason.code](reason)


def words(reasons: policy.Decision | Iterable[policy.Reason]) -> str:
    """A decision's reasons (or a list of them) in words, one sentence after another."""
    listed = reasons.reasons if isinstance(reasons, policy.Decision) else reasons
    return " ".join(word(r) for r in listed)
