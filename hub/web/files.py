"""Uploading and downloading files."""

from __future__ import annotations

import datetime as dt
import os
from typing import IO, BinaryIO, cast

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import db
from ..models import STAFF, File
from ..services import files
from ..services.catalogue import Catalogue
from ..services.files import size_in_words
from ..storage import ContentStoreError, store
from .access import requires
from .actions import Refused, perform
from .converters import db_id
from .reader import signed_in

bp = Blueprint("files", __name__)


def _receive(stream: IO[bytes], filename: str) -> File:
    """Check, store, then record an upload, holding no database transaction while streaming."""
    uploader = signed_in()
    perform(lambda: files.check_uploader(uploader))  # ends the request's transaction too
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    stored = perform(
        lambda: files.store_upload(store(), cast(BinaryIO, stream), filename, max_bytes=limit),
        flash_refusal=False,
    )
    return perform(lambda: files.record_upload(db.session(), uploader, stored), flash_refusal=False)


def file_json(record: File) -> dict[str, object]:
    """What the API says about a file."""
    return {
        "id": record.id,
        "filename": record.filename,
        "size": record.size,
        "media_type": record.media_type,
        "sha256": record.sha256,
        "url": url_for("files.download", file_id=record.id, filename=record.filename),
    }


@bp.route("/files", methods=["GET", "POST"])
@requires(*STAFF)
def uploads() -> str | Response | tuple[str, int]:
    """The school's uploaded files; the form posts here when JavaScript is off."""
    status = 200
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error, status = _("Choose a file to upload."), 400
        else:
            try:
                record = _receive(upload.stream, upload.filename)
            except Refused as exc:
                error, status = exc.message, exc.status
            else:
                flash(
                    _(
                        "%(name)s is uploaded (%(size)s).",
                        name=record.filename,
                        size=size_in_words(record.size),
                    ),
                    "success",
                )
                return redirect(url_for("files.uploads"))
    return _files_page(error, status)


def _files_page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    """The Files page: one page of the school's files matching ``?q=``, with where each is
    used."""
    me = signed_in()
    assert me.school_id is not None
    text = request.args.get("q", "").strip()
    found = files.school_files(
        db.session(), me.school_id, text=text, page=db_id(request.args.get("page")) or 1
    )
    uses = Catalogue.of(db.session(), me).file_uses(me.school_id, [f.id for f in found.files])
    return render_template(
        "files/uploads.html",
        found=found,
        uses=uses,
        q=text,
        error=error,
        limit=size_in_words(current_app.config["MAX_CONTENT_LENGTH"]),
        allowed=files.ALLOWED_IN_WORDS,
    ), status


@bp.route("/files/<id:file_id>/remove", methods=["POST"])
@requires(*STAFF)
def remove(file_id: int) -> Response | tuple[str, int]:
    """Remove an upload no material uses (the page asked to confirm first)."""
    try:
        record = perform(lambda: files.remove_upload(db.session(), signed_in(), file_id))
    except Refused as exc:  # flashed: it became used meanwhile
        return _files_page(status=exc.status)
    flash(_("%(name)s is removed from your school's files.", name=record.filename), "success")
    return redirect(url_for("files.uploads", q=request.args.get("q") or None))


@bp.route("/api/files", methods=["POST"])
@requires(*STAFF)
def api_upload() -> tuple[Response, int]:
    """Upload one file as the raw request body (streamed, never held in memory).

    The name comes from ``?filename=``; the type is sniffed from the content.
    """
    filename = request.args.get("filename", "").strip()
    if not filename:
        return jsonify(error=_("Say the file's name with ?filename=."), status=400), 400
    try:
        record = _receive(request.stream, filename)
    except Refused as exc:
        return jsonify(error=exc.message, status=exc.status), exc.status
    return jsonify(file_json(record)), 201


@bp.route("/files/<id:file_id>/<path:filename>")
@requires(*STAFF)
def download(file_id: int, filename: str) -> Response:
    """A file of the school's uploads (files of materials are served through their version)."""
    try:
        record = files.file_for_download(db.session(), signed_in(), file_id)
    except files.NotFound:
        abort(404)
    inline = request.args.get("inline") == "1" and files.can_show_inline(record.media_type)
    return serve_file(record, inline=inline)


def serve_file(record: File, *, inline: bool) -> Response:
    """The bytes of ``record``: streamed with ranges (local store) or by redirect (S3).

    Callers have decided that the person may have it.
    """
    return serve_blob(
        record.sha256,
        record.media_type,
        record.filename,
        inline=inline,
        last_modified=record.created_at,
        what=f"file {record.id}",
    )


def serve_blob(
    sha256: str,
    media_type: str,
    filename: str,
    *,
    inline: bool = True,
    last_modified: dt.datetime | None = None,
    what: str = "rendition",
) -> Response:
    """A blob of the content store, as ``serve_file`` serves files (callers have decided)."""
    blob_store = store()
    url = blob_store.download_url(
        sha256, filename, media_type, disposition="inline" if inline else "attachment"
    )
    if url is not None:
        response = redirect(url, 302)
        response.headers["Cache-Control"] = "no-store"
        return response
    try:
        path = blob_store.path(sha256)
    except ContentStoreError:
        path = None
    if path is None or not os.path.exists(path):
        # `hub store check` lists it; the person gets a page, not a server error.
        current_app.logger.error("%s: blob %s is missing from the store", what, sha256)
        abort(404)
    accel = current_app.config.get("HUB_X_ACCEL_REDIRECT")
    response = send_file(
        path,
        mimetype=media_type,
        as_attachment=not inline,
        download_name=filename,
        conditional=True,
        etag=sha256,
        last_modified=last_modified,
        max_age=0,
    )
    if accel:
        # nginx serves the bytes from an internal location mapped onto the store's folder.
        root = getattr(blob_store, "root", "")
        response.headers["X-Accel-Redirect"] = accel.rstrip("/") + "/" + os.path.relpath(path, root)
        response.set_data(b"")
    # Access can be withdrawn: browsers must ask again, but may reuse what they have (ETag).
    response.headers["Cache-Control"] = "private, no-cache"
    return response
