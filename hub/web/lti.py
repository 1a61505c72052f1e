"""LTI 1.3: the hub as a tool inside a school's learning platform.

The OIDC login and the launch (checked by PyLTI1p3 against the school's registration), the
tool's key set, the deep-linking picker (the hub's search, in the platform's frame), LTI
Dynamic Registration and the school admin's page of registered platforms. A launch signs its
person in; from then on every page is the hub's own, through the same door and policy.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.exception import LtiException, OIDCException
from werkzeug.wrappers import Response

from .. import db, policy
from ..extensions import csrf
from ..models import LtiPlatform, Person, Role
from ..search import card_cache, index
from ..services import lti, usage
from ..services.catalogue import Catalogue
from ..services.discovery import search_page
from ..services.errors import NotFound
from .access import public, requires
from .actions import Refused, perform
from .embedding import FRAME_ORIGINS
from .search import query_problem, search_query, shown_results

log = logging.getLogger(__name__)
bp = Blueprint("lti", __name__)

#: The most materials one deep-linking answer adds to a course.
MOST_CHOSEN = 50


def _tool_urls() -> lti.ToolUrls:
    return lti.ToolUrls(
        login=url_for("lti.login", _external=True),
        launch=url_for("lti.launch", _external=True),
        key_set=url_for("lti.key_set", _external=True),
        registration=url_for("lti.register", _external=True),
        name=_("Consortium Hub"),
    )


def _refused(status: int, detail: Exception | str) -> Any:
    """A launch the hub cannot check: said to the person, the particulars kept in the log."""
    log.info("LTI refused (%s): %s", status, detail)
    abort(
        status,
        description=_(
            "The launch from your learning platform could not be checked. Open the link "
            "again from your course; if it keeps failing, ask your school's admin to check "
            "the hub's registration of the platform."
        ),
    )


# Login and launch -----------------------------------------------------------------------------


@bp.route("/lti/login", methods=["GET", "POST"])
@public
@csrf.exempt
def login() -> Response:
    """OIDC login initiation: the platform names itself and the person; the hub answers
    with a redirect to the platform's authorisation, carrying a state and a nonce."""
    target = FlaskRequest().get_param("target_link_uri") or ""
    # The hub's own host (the scheme may differ behind a proxy that ends TLS).
    if target and urlsplit(target).netloc != request.host:
        _refused(400, f"target_link_uri {target!r} is not the hub's")

    def redirect_to_platform() -> Response:
        s = db.session()
        oidc = FlaskOIDCLogin(
            FlaskRequest(), lti.ToolConf(s), launch_data_storage=lti.LaunchValues(s)
        )
        try:
            answer: Response = oidc.redirect(url_for("lti.launch", _external=True))
        except (OIDCException, LtiException) as exc:
            _refused(400, exc)
        s.commit()
        return answer

    return db.write_after_read(redirect_to_platform)


def _message_launch(s: Any) -> FlaskMessageLaunch:
    launch = FlaskMessageLaunch(
        FlaskRequest(), lti.ToolConf(s), launch_data_storage=lti.LaunchValues(s)
    )
    launch.set_public_key_caching(lti.LaunchValues(s), cache_lifetime=lti.KEY_SET_LIFETIME)
    return launch


@bp.route("/lti/launch", methods=["POST"])
@public
@csrf.exempt
def launch() -> Response:
    """A launch: the ``id_token`` checked (issuer, audience, deployment, signature, expiry,
    nonce used once, state), its person found or made in the platform's school and signed
    in; a resource link opens its material, a deep-linking request opens the picker."""
    s = db.session()
    message = _message_launch(s)
    try:
        claims = message.get_launch_data()
    except (LtiException, OIDCException) as exc:
        s.rollback()
        _refused(400, exc)
    platform = lti.find_platform(s, claims["iss"], message.get_client_id())
    if platform is None:  # removed between the check and now
        _refused(400, "registration gone")
    assert platform is not None
    try:
        person = perform(lambda: lti.person_for_launch(s, platform, claims), flash_refusal=False)
    except Refused as exc:
        abort(exc.status, description=exc.message)
    login_user(person)
    session[FRAME_ORIGINS] = lti.frame_origins(platform)
    if message.is_deep_link_launch():
        return _start_picking(s, message, person, claims)
    target = lti.target_of(claims)
    if target is None:
        abort(404)
    assert target is not None
    return _open(s, person, target)


def _open(s: Any, person: Person, target: lti.Target) -> Response:
    """Open a launched material (a module opens in its player), counted as a launch of the
    person's school; one they may not view is the hub's 404 page, in their language."""
    try:
        version = Catalogue.of(s, person).version(target.material_id)
    except NotFound:
        abort(404)
    perform(lambda: usage.record(s, "launch", version, person))
    return redirect(url_for("materials.show", material_id=target.material_id))


@bp.route("/lti/jwks")
@public
def key_set() -> Response:
    """The tool's public keys, which platforms verify its deep-linking answers with."""
    # The first request makes the key: the set is never empty.
    return jsonify(db.write_after_read(lambda: perform(lambda: lti.key_set(db.session()))))


# Deep linking -----------------------------------------------------------------------------------


def _choice_key(launch_id: str) -> str:
    return f"pick-{launch_id}"


def _start_picking(s: Any, message: FlaskMessageLaunch, person: Person, claims: Any) -> Response:
    if not lti.may_choose_materials(person, claims):
        abort(403, description=_("Only teachers choose the hub's materials for a course."))
    message.save_launch_data()
    launch_id = message.get_launch_id()
    lti.LaunchValues(s).set_value(_choice_key(launch_id), {"person": person.id, "chosen": []})
    s.commit()
    return redirect(url_for("lti.pick", launch_id=launch_id))


def _choice(launch_id: str) -> dict[str, Any]:
    """The picker's choice so far; a launch that is not the signed-in person's is a 404."""
    found = lti.LaunchValues(db.session()).get_value(_choice_key(launch_id))
    if not found or not current_user.is_authenticated or found.get("person") != current_user.id:
        abort(404)
    return dict(found)


@bp.route("/lti/pick/<launch_id>")
@requires()
def pick(launch_id: str) -> tuple[str, int]:
    """The picker: the hub's search (the same words, facets and access) with a button to
    add each material to the course, and the choice so far."""
    choice = _choice(launch_id)
    s = db.session()
    person = s.get(Person, current_user.id)
    viewer = policy.viewer_for(s, person, adoptions=False)
    found = search_page(
        s,
        viewer,
        search_query(request.args),
        search=index().search,
        cached=card_cache().at_head(s),
    )
    catalogue = Catalogue.of(s, person)
    chosen = catalogue.shown_versions(lti.chosen_ids(choice["chosen"]))
    error, status = (query_problem(found.error), 400) if found.error is not None else (None, 200)
    html = render_template(
        "lti/pick.html",
        **shown_results(found),
        error=error,
        launch_id=launch_id,
        chosen=[chosen[i] for i in lti.chosen_ids(choice["chosen"]) if i in chosen],
        most=MOST_CHOSEN,
    )
    return html, status


def _change_choice(launch_id: str, change: Any) -> Response:
    choice = _choice(launch_id)
    chosen = lti.chosen_ids(choice["chosen"])
    material = request.form.get("material", type=int)
    if material is not None:
        change(chosen, material)
    choice["chosen"] = chosen[:MOST_CHOSEN]
    perform(lambda: lti.LaunchValues(db.session()).set_value(_choice_key(launch_id), choice))
    args: dict[str, Any] = request.args.to_dict(flat=False)
    return redirect(url_for("lti.pick", launch_id=launch_id, **args))


@bp.route("/lti/pick/<launch_id>/add", methods=["POST"])
@requires()
@csrf.exempt  # the launch id is a secret of this person's launch (checked by _choice)
def pick_add(launch_id: str) -> Response:
    """Add one material to the choice (kept between searches)."""
    return _change_choice(
        launch_id, lambda chosen, m: chosen.append(m) if m not in chosen else None
    )


@bp.route("/lti/pick/<launch_id>/remove", methods=["POST"])
@requires()
@csrf.exempt
def pick_remove(launch_id: str) -> Response:
    """Take one material out of the choice."""
    return _change_choice(launch_id, lambda chosen, m: chosen.remove(m) if m in chosen else None)


@bp.route("/lti/pick/<launch_id>/done", methods=["POST"])
@requires()
@csrf.exempt
def pick_done(launch_id: str) -> str:
    """Send the choice back to the platform: a deep-linking answer signed with the tool's key,
    one resource link per material the teacher may still view."""
    choice = _choice(launch_id)
    s = db.session()
    try:
        message = FlaskMessageLaunch.from_cache(
            launch_id, FlaskRequest(), lti.ToolConf(s), launch_data_storage=lti.LaunchValues(s)
        )
        deep_link = message.get_deep_link()
    except (LtiException, OIDCException) as exc:
        _refused(400, exc)
    person = s.get(Person, current_user.id)
    catalogue = Catalogue.of(s, person)
    shown = catalogue.shown_versions(lti.chosen_ids(choice["chosen"]))
    versions = [shown[i] for i in lti.chosen_ids(choice["chosen"]) if i in shown]
    token = deep_link.get_response_jwt(
        lti.content_items(versions, url_for("lti.launch", _external=True))
    )
    launch_data: dict[str, Any] = dict(message.get_launch_data())
    return_url = launch_data[lti.DEEP_LINKING_SETTINGS]["deep_link_return_url"]
    return render_template("lti/return.html", return_url=return_url, token=token, versions=versions)


# Registrations -------------------------------------------------------------------------------


def _platform_fields() -> lti.PlatformFields:
    form = request.form
    return lti.PlatformFields(
        name=form.get("name", ""),
        issuer=form.get("issuer", ""),
        client_id=form.get("client_id", ""),
        login_url=form.get("login_url", ""),
        token_url=form.get("token_url", ""),
        key_set_url=form.get("key_set_url", ""),
        deployment_ids=tuple(form.get("deployment_ids", "").replace(",", "\n").splitlines()),
    )


def _platforms_page(status: int = 200, **context: Any) -> tuple[str, int]:
    s = db.session()
    return (
        render_template(
            "lti/platforms.html",
            platforms=lti.platforms_of(s, current_user.school_id),
            tool=_tool_urls(),
            **context,
        ),
        status,
    )


@bp.route("/school/platforms")
@requires(Role.SCHOOL_ADMIN)
def platforms() -> tuple[str, int]:
    """The school's learning platforms, the hub's addresses to paste into one, and the form to
    register one by hand."""
    return _platforms_page()


@bp.route("/school/platforms", methods=["POST"])
@requires(Role.SCHOOL_ADMIN)
def add_platform() -> Response | tuple[str, int]:
    """Register a platform by hand; a refusal shows the form again with what was typed."""
    me = db.session().get(Person, current_user.id)
    assert me is not None
    try:
        platform = perform(
            lambda: lti.register_platform(db.session(), me, _platform_fields()),
            flash_refusal=False,
        )
    except Refused as exc:
        return _platforms_page(exc.status, form=request.form, error=exc.message, field=exc.field)
    flash(
        _(
            "%(name)s is registered: its teachers can add the hub to their courses.",
            name=platform.name,
        ),
        "success",
    )
    return redirect(url_for("lti.platforms"))


@bp.route("/school/platforms/<id:platform_id>/remove", methods=["POST"])
@requires(Role.SCHOOL_ADMIN)
def remove_platform(platform_id: int) -> Response:
    """Remove a registration: its launches stop at once."""
    me = db.session().get(Person, current_user.id)
    assert me is not None
    removed: LtiPlatform = perform(lambda: lti.remove_platform(db.session(), me, platform_id))
    flash(_("%(name)s is no longer registered.", name=removed.name), "success")
    return redirect(url_for("lti.platforms"))


@bp.route("/lti/register")
@requires(Role.SCHOOL_ADMIN)
def register() -> tuple[str, int]:
    """LTI Dynamic Registration, opened by the platform with its configuration's address:
    the school admin confirms that the platform is their school's."""
    configuration = request.args.get("openid_configuration", "")
    if not configuration:
        abort(400, description=_("Open this page from your platform's tool registration."))
    return render_template(
        "lti/register.html",
        configuration=configuration,
        registration_token=request.args.get("registration_token", ""),
    ), 200


@bp.route("/lti/register", methods=["POST"])
@requires(Role.SCHOOL_ADMIN)
def register_confirmed() -> tuple[str, int]:
    """Register the platform (it is asked for its configuration and told the hub's), then
    tell the platform's window the registration is done."""
    me = db.session().get(Person, current_user.id)
    assert me is not None
    configuration = request.form.get("openid_configuration", "")
    with requests.Session() as http:
        try:
            platform = perform(
                lambda: lti.register_dynamically(
                    db.session(),
                    me,
                    configuration,
                    request.form.get("registration_token") or None,
                    _tool_urls(),
                    http,
                ),
                flash_refusal=False,
            )
        except Refused as exc:
            return render_template(
                "lti/register.html",
                configuration=configuration,
                registration_token=request.form.get("registration_token", ""),
                error=exc.message,
            ), exc.status
    return render_template("lti/registered.html", platform=platform), 200
