"""Harvesting and metadata records: OAI-PMH at ``/oai`` and each material's IEEE LOM record.

Thin views: they say who reads (a token's person, a signed-in person or a visitor), ask
``services.oai_pmh`` or ``services.lom`` through the reader's catalogue, and send the answer as
it is written.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    request,
    stream_with_context,
)
from flask_babel import gettext as _

from .. import db
from ..extensions import csrf
from ..models import Person
from ..services import lom, oai_pmh, tokens
from ..services.catalogue import Catalogue
from ..services.errors import NotFound
from ..services.review_state import review_states
from . import reader
from .access import public
from .actions import perform

bp = Blueprint("oai", __name__)
XML = "text/xml; charset=utf-8"


class NotAuthenticated(Exception):
    """A bearer token that names nobody: 401 with its reason in words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _bearer_person() -> Person | None:
    """The person whose personal access token the harvester presents (``Authorization:
    Bearer <token>``), None without one. The one place OAI turns a token into a person: a
    school's systems harvest what that school's person may discover."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    kind, _sep, secret = header.partition(" ")
    if kind.lower() != "bearer" or not secret.strip():
        raise NotAuthenticated(_("Send the token as Authorization: Bearer <token>."))
    try:
        caller = tokens.authenticate(db.session(), secret.strip())
    except tokens.Unauthenticated as exc:  # unknown, expired, revoked, or its person inactive
        raise NotAuthenticated(exc.message) from None
    if tokens.needs_touch(caller.token):  # its last use, as the API records it
        token_id = caller.token.id
        db.write_after_read(lambda: perform(lambda: tokens.touch(db.session(), token_id)))
    return caller.person


def _reader() -> Person | None:
    """Who harvests: a token's person, else the signed-in person, else a visitor (None)."""
    return _bearer_person() or reader.me()


def _site() -> lom.Site:
    return lom.Site(request.host_url.rstrip("/"))


def _refused(exc: NotAuthenticated) -> Response:
    return Response(
        exc.message,
        401,
        mimetype="text/plain",
        headers={"WWW-Authenticate": 'Bearer realm="hub"'},
    )


@bp.route("/oai", methods=["GET", "POST"])
@csrf.exempt  # harvesters POST the same arguments as GET (the protocol allows both)
@public
def endpoint() -> Response:
    """The OAI-PMH 2.0 endpoint: the six verbs, ``oai_dc`` and ``lom``, sets, tokens."""
    try:
        person = _reader()
    except NotAuthenticated as exc:
        return _refused(exc)
    given = (request.form if request.method == "POST" else request.args).to_dict(flat=False)
    session = db.session()
    repository = oai_pmh.Repository(
        site=_site(),
        admin_email=current_app.config["HUB_MAIL_SENDER"],
        secret=current_app.config["SECRET_KEY"],
        page_size=current_app.config.get("OAI_PAGE_SIZE", oai_pmh.PAGE_SIZE),
    )
    found = oai_pmh.answer(
        session,
        Catalogue.of(session, person),
        repository,
        given,
        reader=person.id if person is not None else None,
    )
    return Response(stream_with_context(found.chunks), found.status, content_type=XML)


def _lom_record(material_id: int, number: int | None) -> Response:
    catalogue = reader.catalogue()
    try:
        version = catalogue.version(material_id, number, "view")
    except NotFound:
        abort(404)
    relations = catalogue.relations([version])[version.id]
    record = lom.Record(
        version,
        relations,
        _site(),
        of_version=number is not None,
        review=review_states(catalogue.session, [material_id]).get(material_id),
    )
    name = f"material-{material_id}" + (f"-v{number}" if number is not None else "")
    return Response(
        lom.serialize(lom.lom(record)),
        content_type=XML,
        headers={"Content-Disposition": f'inline; filename="{name}-lom.xml"'},
    )


@bp.route("/materials/<id:material_id>/lom.xml")
@public
def material_lom(material_id: int) -> Response:
    """The IEEE LOM record of a material (its current version, as the page shows it)."""
    return _lom_record(material_id, None)


@bp.route("/materials/<id:material_id>/v/<id:number>/lom.xml")
@public
def version_lom(material_id: int, number: int) -> Response:
    """The IEEE LOM record of one version of a material."""
    return _lom_record(material_id, number)
