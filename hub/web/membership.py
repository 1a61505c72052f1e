"""Public application to join, and the directory of member schools."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from .. import db
from ..models import IncomeGroup, MembershipStatus, Person, Role, School
from ..services import geography, membership
from ..services.languages import display_name, resolve_languages
from ..services.schools import SchoolSearch, active_schools, find_schools
from .access import public, requires
from .actions import Refused, perform
from .forms import ApplyForm

bp = Blueprint("membership", __name__)

# The income groups in words (lazy: worded in the interface language when shown).
INCOME_LABELS = {group: group.words for group in IncomeGroup}


@bp.route("/apply", methods=["GET", "POST"])
@public
def apply() -> str | Response | tuple[str, int]:
    form = ApplyForm()
    status = 200
    if form.validate_on_submit():

        def submit() -> tuple[School, Person]:
            country = geography.find_country(form.country.data or "")
            application = membership.Application(
                school_name=form.school_name.data or "",
                country=country.iso2,
                languages=resolve_languages(form.languages.data or ""),
                website=form.website.data or "",
                contact_email=form.contact_email.data or "",
                admin_name=form.admin_name.data or "",
                admin_email=form.admin_email.data or "",
                admin_password=form.password.data or "",
            )
            return membership.submit_application(db.session(), application)

        try:
            school, admin = perform(submit, flash_refusal=False)
        except Refused as exc:
            field = {"email": "admin_email", "name": "admin_name"}.get(exc.field or "", exc.field)
            getattr(form, field or "school_name", form.school_name).errors = [exc.message]
            status = exc.status
        else:
            login_user(admin)
            flash(
                _(
                    "Thank you. The application of %(school)s is with the consortium; "
                    "you will hear by email when it is decided.",
                    school=school.name,
                ),
                "success",
            )
            return redirect(url_for("school_admin.profile"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "membership/apply.html", form=form, countries=geography.countries()
    ), status


@bp.route("/directory")
@requires()
def directory() -> str:
    s = db.session()
    # Everyone sees the active members; the consortium's staff may look at any status.
    can_see_all = current_user.role is Role.CONSORTIUM_ADMIN
    search = school_search(request.args, status=MembershipStatus.ACTIVE, any_status=can_see_all)
    found = find_schools(s, search, page=request.args.get("page", 1, type=int) or 1)
    members = active_schools(s)
    chart = region_income_chart(members)
    languages = sorted({lang for m in members for lang in m.languages}, key=display_name)
    regions = sorted({m.region for m in members}, key=geography.subregion_display_name)
    return render_template(
        "membership/directory.html",
        found=found,
        search=search,
        total=len(members),
        chart=chart,
        regions=regions,
        languages=languages,
        income_labels=INCOME_LABELS,
        statuses=list(MembershipStatus) if can_see_all else [],
        can_see_all=can_see_all,
    )


def school_search(
    args: MultiDict[str, str], status: MembershipStatus | None, *, any_status: bool = True
) -> SchoolSearch:
    """The search of a list of schools from its GET form. ``status`` when none is chosen
    (``all``: any status); unless ``any_status``, always ``status``. Values that name
    nothing are left out rather than refused: the list shows more, never an error."""
    chosen, income = args.get("status", ""), args.get("income", "")
    if any_status and chosen == ALL_STATUSES:
        status = None
    elif any_status and chosen in {m.value for m in MembershipStatus}:
        status = MembershipStatus(chosen)
    return SchoolSearch(
        text=args.get("q", "")[:200],
        status=status,
        region=args.get("region", ""),
        income=IncomeGroup(income) if income in {g.value for g in IncomeGroup} else None,
        language=args.get("language", ""),
    )


# The status choice that lists schools of every status.
ALL_STATUSES = "all"


def region_income_chart(members: Sequence[School]) -> list[dict[str, object]]:
    """Rows of a stacked bar chart: per region, the count of members per income group."""
    by_region: dict[str, Counter[str]] = {}
    for m in members:
        by_region.setdefault(m.region, Counter())[m.income_group.value] += 1
    rows = []
    for code, counts in sorted(by_region.items(), key=lambda kv: -sum(kv[1].values())):
        rows.append(
            {
                "region": geography.subregion_display_name(code),
                "code": code,
                "total": sum(counts.values()),
                "segments": [(g.value, counts.get(g.value, 0)) for g in IncomeGroup],
            }
        )
    return rows
