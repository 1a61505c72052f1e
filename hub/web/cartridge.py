"""IMS Common Cartridge pages: exporting a module or a material (the choice, what each item
becomes, the download) and importing a cartridge from an LMS (upload, what was found,
confirm). The work is ``services/cartridge.py``'s; what is shown comes through the catalogue.
"""

from __future__ import annotations

import dataclasses
from typing import IO, BinaryIO, cast

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import db
from ..models import STAFF, File, MaterialVersion, Person
from ..services import cartridge, files, lom, lti, usage
from ..services.errors import NotFound
from ..storage import store
from . import reader
from .access import public, requires
from .actions import Refused, perform
from .converters import id_or_404

bp = Blueprint("cartridge", __name__)


def _site() -> lom.Site:
    return lom.Site(request.host_url.rstrip("/"))


def _version(material_id: int) -> MaterialVersion:
    """The version the material page shows (``?v=`` for another), if the reader may view it."""
    try:
        return reader.catalogue().version(material_id, id_or_404(request.args.get("v")), "view")
    except NotFound:
        abort(404)


def _plan(material_id: int) -> cartridge.ExportPlan:
    version = _version(material_id)
    try:
        choice = cartridge.Choice(request.args.get("choice", cartridge.Choice.FILES))
    except ValueError:
        choice = cartridge.Choice.FILES
    launch = url_for("lti.launch", _external=True) if _has_platform() else None
    return cartridge.plan_export(reader.catalogue(), version, choice, _site(), store(), launch)


def _has_platform() -> bool:
    """Whether the reader's school registered a learning platform (LTI links then work)."""
    school_id = current_user.school_id if current_user.is_authenticated else None
    return school_id is not None and bool(lti.platforms_of(db.session(), school_id))


@bp.route("/materials/<id:material_id>/cartridge")
@public
def export(material_id: int) -> str:
    """The export page: the choice, and what each item of the cartridge will be."""
    plan = _plan(material_id)
    return render_template(
        "cartridge/export.html",
        plan=plan,
        version=plan.root,
        choices={
            c: c.words for c in cartridge.Choice if c is not cartridge.Choice.LTI or _has_platform()
        },
    )


@bp.route("/materials/<id:material_id>/cartridge.imscc")
@public
def download(material_id: int) -> Response:
    """The cartridge itself, written as it is sent; each material whose files it carries
    counts as a download of it."""
    plan = _plan(material_id)
    if plan.with_files:
        me = reader.me()

        def count() -> None:
            for item in plan.with_files:
                usage.record(db.session(), "download", item.version, me)

        db.write_after_read(lambda: perform(count))
    return Response(
        stream_with_context(cartridge.write_cartridge(plan, store())),
        mimetype="application/zip",
        headers={"Content-Disposition": plan.disposition},
    )


# Importing ------------------------------------------------------------------------------------


def _limits() -> cartridge.Limits:
    """The cartridge limits, the upload no larger than the hub accepts of any upload."""
    limits: cartridge.Limits = current_app.config.get("CARTRIDGE_LIMITS", cartridge.LIMITS)
    most = current_app.config["MAX_CONTENT_LENGTH"]
    return dataclasses.replace(
        limits,
        cartridge_bytes=min(limits.cartridge_bytes, most),
        member_bytes=min(limits.member_bytes, most),
    )


def _importer() -> Person:
    """The signed-in teacher or admin, if their school may import (the request's
    transaction ends here: what follows streams)."""
    me = reader.me()
    assert me is not None
    try:
        perform(lambda: cartridge.check_importer(db.session(), me), flash_refusal=False)
    except Refused as exc:
        abort(exc.status, description=exc.message)
    return me


def _import_page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "cartridge/import.html", error=error, limit=files.size_in_words(_limits().cartridge_bytes)
    ), status


@bp.route("/cartridges/import", methods=["GET", "POST"])
@requires(*STAFF)
def upload() -> Response | tuple[str, int]:
    """Upload a cartridge: it is stored and read; a good one is kept among the school's files
    until the teacher confirms (then its preview), a bad one is refused in words."""
    me = _importer()
    if request.method == "GET":
        return _import_page()
    sent = request.files.get("cartridge")
    if sent is None or not sent.filename:
        return _import_page(_("Choose a cartridge file (.imscc or .zip) to upload."), 400)
    limits = _limits()
    try:
        stored = perform(
            lambda: files.store_upload(
                store(), cast(BinaryIO, sent.stream), sent.filename or "cartridge.imscc",
                max_bytes=limits.cartridge_bytes,
            ),
            flash_refusal=False,
        )  # fmt: skip
    except Refused as exc:
        return _import_page(exc.message, exc.status)
    try:
        _read(stored.blob.sha256, stored.filename, limits)
    except cartridge.BadCartridge as exc:
        perform(lambda: cartridge.discard(db.session(), store(), stored.blob.sha256))
        return _import_page(exc.message, exc.status)
    record = perform(lambda: files.record_upload(db.session(), me, stored))
    return redirect(url_for("cartridge.preview", file_id=record.id))


def _read(sha256: str, name: str, limits: cartridge.Limits) -> cartridge.Cartridge:
    with cartridge.opened(store(), sha256) as source:
        return _found(source, name, limits)


def _found(source: IO[bytes], name: str, limits: cartridge.Limits) -> cartridge.Cartridge:
    return cartridge.read_cartridge(source, site_host=_site().host, limits=limits, name=name)


def _uploaded(me: Person, file_id: int) -> File:
    """The uploaded cartridge: a file of the teacher's school (else 404)."""
    try:
        return files.file_for_download(db.session(), me, file_id)
    except NotFound:
        abort(404)


@bp.route("/cartridges/import/<id:file_id>")
@requires(*STAFF)
def preview(file_id: int) -> tuple[str, int]:
    """What the uploaded cartridge holds and what the import will make of it."""
    me = reader.me()
    assert me is not None
    record = _uploaded(me, file_id)
    try:
        found = _read(record.sha256, record.filename, _limits())
    except cartridge.BadCartridge as exc:
        return _import_page(exc.message, exc.status)
    return render_template(
        "cartridge/preview.html", found=found, record=record, type_words=cartridge.type_in_words
    ), 200


@bp.route("/cartridges/import/<id:file_id>", methods=["POST"])
@requires(*STAFF)
def confirm(file_id: int) -> Response | tuple[str, int]:
    """Import: the files stored first (no transaction held meanwhile), then the drafts and
    the module in one transaction."""
    me = reader.me()
    assert me is not None
    record = _uploaded(me, file_id)
    sha256, name = record.sha256, record.filename
    _importer()  # ends the transaction: nothing is held while the files stream into the store
    limits = _limits()
    try:
        with cartridge.opened(store(), sha256) as source:
            found = _found(source, name, limits)
            source.seek(0)
            stored = perform(
                lambda: cartridge.stage_files(store(), source, found, limits), flash_refusal=False
            )
    except cartridge.BadCartridge as exc:
        return _import_page(exc.message, exc.status)
    except Refused as exc:
        return _import_page(exc.message, exc.status)
    try:
        made = perform(
            lambda: cartridge.create_drafts(
                db.session(), reader.catalogue(), me, found, stored, _uploaded(me, file_id)
            ),
            flash_refusal=False,
        )
    except Refused as exc:
        return _import_page(exc.message, exc.status)
    flash(
        ngettext(
            "The cartridge is imported: a draft module with %(num)d new draft material.",
            "The cartridge is imported: a draft module with %(num)d new draft materials.",
            made.drafts,
        ),
        "success",
    )
    return redirect(url_for("materials.edit", material_id=made.module_id))
