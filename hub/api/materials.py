"""Reading materials: lists, one material, its versions, files (and their download through
the catalogue), lineage and module items. Every read goes through the caller's catalogue;
what it does not return is a 404, as on the site."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from .. import reasons
from ..models import MaterialKind
from ..web.counting import count_use
from ..web.files import serve_file
from . import present
from .core import caller, catalogue, decode_cursor, encode_cursor, next_link, respond
from .problems import API_PREFIX, Problem
from .schemas import (
    CardList,
    FileList,
    LineageOut,
    MaterialListArgs,
    MaterialOut,
    ModuleItemList,
    VersionList,
)

blp = Blueprint("api_materials", __name__, url_prefix=API_PREFIX, description="Materials")

MATERIAL = "/materials/<id:material_id>"
VERSION = MATERIAL + "/versions/<id:number>"


@blp.route("/materials")
@blp.arguments(MaterialListArgs, location="query", unknown=ma.RAISE, as_kwargs=True)
@blp.response(200, CardList)
def materials(
    q: str, limit: int, cursor: str | None = None, school: int | None = None, kind: str = ""
) -> Response:
    """Published materials the caller may discover, newest first (`school`: of one school;
    `kind`: materials or modules). Paged: follow `Link: rel="next"`."""
    offset = decode_cursor(cursor, "offset")
    found = catalogue().listing(
        text=q.strip(),
        limit=limit + 1,
        offset=offset,
        owner_school_id=school,
        kind=MaterialKind(kind) if kind else None,
    )
    more = len(found) > limit
    following = encode_cursor({"offset": offset + limit}) if more else None
    response = respond(
        CardList, {"items": [present.card(v) for v in found[:limit]], "next_cursor": following}
    )
    if following:
        next_link(response, cursor=following)
    return response


@blp.route(MATERIAL)
@blp.response(200, MaterialOut)
def material(material_id: int) -> Response:
    """A material with the version the caller is shown: the published one (a draft, for the
    staff of the school that owns it)."""
    cat = catalogue()
    return respond(MaterialOut, present.material(cat, cat.version(material_id, None, "view")))


@blp.route(MATERIAL + "/versions")
@blp.response(200, VersionList)
def versions(material_id: int) -> Response:
    """The versions of a material the caller may see, oldest first."""
    cat = catalogue()
    shown = cat.version(material_id, None, "view")
    return respond(
        VersionList, {"items": [present.version_brief(v) for v in cat.versions_of(shown.material)]}
    )


@blp.route(VERSION)
@blp.response(200, MaterialOut)
def version(material_id: int, number: int) -> Response:
    """A material at one of its versions."""
    cat = catalogue()
    return respond(MaterialOut, present.material(cat, cat.version(material_id, number, "view")))


@blp.route(VERSION + "/files")
@blp.response(200, FileList)
def files(material_id: int, number: int) -> Response:
    """A version's files: `download_url` where the caller may download the original,
    `view_url` to read it on screen."""
    cat = catalogue()
    return respond(FileList, {"items": present.files(cat, cat.version(material_id, number))})


@blp.route(VERSION + "/files/<id:file_id>/content")
@blp.doc(
    responses={
        "200": {
            "description": "The original file, in its own media type",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
)
def file_content(material_id: int, number: int, file_id: int) -> Response:
    """The original file: only with the download right (a 403 says why when the caller may
    view it); counted as a download, as on the site."""
    cat = catalogue()
    found, record = cat.file(material_id, number, file_id, "view")
    decision = cat.decide(found, "download")
    if not decision:
        # The material is visible to the caller, so saying why leaks nothing.
        raise Problem(403, reasons.words(decision), kind="no-download")
    count_use("download", found, caller())  # a video's ranges count once
    return serve_file(record, inline=False)


@blp.route(MATERIAL + "/lineage")
@blp.response(200, LineageOut)
def lineage(material_id: int) -> Response:
    """What the material was adapted from, its adaptations and translations, each only
    where the caller may see it."""
    cat = catalogue()
    shown = cat.version(material_id, None, "view")
    return respond(LineageOut, present.lineage(cat.lineage(shown.material)))


@blp.route(VERSION + "/items")
@blp.response(200, ModuleItemList)
def items(material_id: int, number: int) -> Response:
    """A module version's items, in order, that the caller may view (a material has none)."""
    cat = catalogue()
    module = cat.version(material_id, number, "view")
    document: dict[str, Any] = {"items": [present.module_item(i) for i in cat.module_items(module)]}
    return respond(ModuleItemList, document)
