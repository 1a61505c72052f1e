"""Making and changing materials: drafts and their files and items, publishing, new versions,
retiring, adaptations, translations and adoptions. Each is one service call, asked of the
policy by the service itself; a refusal saves nothing and says what to change."""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from flask import current_app, request
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from .. import db
from ..models import File, MaterialKind, MaterialVersion
from ..services import files as files_service
from ..services import lineage, modules, publishing
from ..services.metadata import Metadata
from ..storage import store
from . import present
from .core import catalogue, check_if_match, me, respond, run
from .materials import MATERIAL, VERSION
from .problems import API_PREFIX
from .schemas import (
    AdoptionOut,
    Attach,
    DraftEdit,
    FileOut,
    MaterialOut,
    ModuleItems,
    NewMaterial,
    NewVersion,
    Translation,
    UploadArgs,
)

blp = Blueprint(
    "api_workflow", __name__, url_prefix=API_PREFIX, description="Drafts and publishing"
)

RAW_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes, streamed as the raw body",
        "content": {"application/octet-stream": {"schema": {"type": "string"}}},
    }
}


def _ref(path: str, method: str) -> str:
    """A JSON pointer to an operation of the document (for OpenAPI links)."""
    return "#/paths/" + (API_PREFIX + path).replace("~", "~0").replace("/", "~1") + "/" + method


#: Where a new draft leads (OpenAPI links, which stateful tests follow): its id fills
#: the next operations' ``material_id``.
DRAFT_LINKS = {
    "201": {
        # flask-smorest's doc() replaces the response it names: described again in full.
        "description": "Created",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MaterialOut"}}},
        "links": {
            name: {
                "operationRef": _ref(path, method),
                "parameters": {"material_id": "$response.body#/id"},
            }
            for name, path, method in (
                ("read", "/materials/{material_id}", "get"),
                ("edit", "/materials/{material_id}/draft", "patch"),
                ("upload", "/materials/{material_id}/draft/files", "post"),
                ("publish", "/materials/{material_id}/publish", "post"),
                ("share", "/materials/{material_id}/grants", "post"),
                ("grants", "/materials/{material_id}/grants", "get"),
                ("lineage", "/materials/{material_id}/lineage", "get"),
            )
        },
    }
}


def target(material_id: int) -> MaterialVersion:
    """The version of the material the caller is shown (a draft, for its own school's
    staff), after checking `If-Match` against the material's current ETag (412)."""
    cat = catalogue()
    shown = cat.version(material_id, None, "view")
    if request.if_match:
        check_if_match(MaterialOut().dump(present.material(cat, shown)))
    return shown


def answer(material_id: int, status: int = 200) -> Response:
    """The material as it is now (with its new ETag, for the next If-Match)."""
    cat = catalogue()
    shown = cat.version(material_id, None, "view")
    response = respond(MaterialOut, present.material(cat, shown), status)
    if status == 201:
        response.headers["Location"] = present.material_url(material_id)
    return response


@blp.route("/materials", methods=["POST"])
@blp.arguments(NewMaterial, as_kwargs=True)
@blp.response(201, MaterialOut)
@blp.doc(responses=DRAFT_LINKS)
def create(kind: str, title: str) -> Response:
    """A new material (or module) of the caller's school: an empty draft, shared as the
    school's defaults say."""
    person = me()
    made = run(lambda: publishing.create_draft(db.session(), person, MaterialKind(kind), title))
    return answer(made.id, 201)


@blp.route(MATERIAL + "/draft", methods=["PATCH"])
@blp.arguments(DraftEdit)
@blp.response(200, MaterialOut)
def edit(changes: dict[str, Any], material_id: int) -> Response:
    """Change the draft's metadata: the fields sent, the others kept. `revision` is the
    draft's revision the change is based on: another editor's save since is a 409."""
    person, version = me(), target(material_id)
    revision = changes.pop("revision")
    given = {
        k: "" if v is None else (str(v) if k == "estimated_hours" else v)
        for k, v in changes.items()
    }
    data = Metadata(**{**vars(Metadata.of(version)), **given})
    run(lambda: publishing.save_draft(db.session(), person, version, data, revision))
    return answer(material_id)


@blp.route(MATERIAL + "/draft/files", methods=["POST"])
@blp.arguments(UploadArgs, location="query", as_kwargs=True)
@blp.doc(**RAW_BODY)
@blp.response(201, MaterialOut)
def upload_to_draft(filename: str, material_id: int) -> Response:
    """Upload one file as the raw body (streamed, never held whole) and attach it to the
    draft. Its name comes from `?filename=`; its type is sniffed from its content."""
    person, version = me(), target(material_id)
    record = receive(filename)
    run(lambda: publishing.attach_files(db.session(), person, version, [record.id]))
    return answer(material_id, 201)


@blp.route("/files", methods=["POST"])
@blp.arguments(UploadArgs, location="query", as_kwargs=True)
@blp.doc(**RAW_BODY)
@blp.response(201, FileOut)
def upload(filename: str) -> Response:
    """Upload one file to the school's files (as `/api/files` does), to attach later."""
    return respond(FileOut, present.file(receive(filename)), 201)


def receive(filename: str) -> File:
    """Check, store, then record the request's body, holding no database transaction while
    it streams (413 over the size limit, 415 for a type the hub does not take)."""
    uploader = me()
    run(lambda: files_service.check_uploader(uploader))  # ends the transaction too
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    stored = files_service.store_upload(
        store(), cast(BinaryIO, request.stream), filename, max_bytes=limit
    )
    return run(lambda: files_service.record_upload(db.session(), uploader, stored))


@blp.route(MATERIAL + "/draft/attachments", methods=["POST"])
@blp.arguments(Attach, as_kwargs=True)
@blp.response(200, MaterialOut)
def attach(file_ids: list[int], material_id: int) -> Response:
    """Attach files of the school's uploads to the draft, after those it has."""
    person, version = me(), target(material_id)
    run(lambda: publishing.attach_files(db.session(), person, version, file_ids))
    return answer(material_id)


@blp.route(MATERIAL + "/draft/attachments/<id:file_id>", methods=["DELETE"])
@blp.response(200, MaterialOut)
def detach(material_id: int, file_id: int) -> Response:
    """Take a file off the draft (it stays among the school's files)."""
    person, version = me(), target(material_id)
    run(lambda: publishing.detach_file(db.session(), person, version, file_id))
    return answer(material_id)


@blp.route(MATERIAL + "/draft/items", methods=["PUT"])
@blp.arguments(ModuleItems, as_kwargs=True)
@blp.response(200, MaterialOut)
def set_items(items: list[int], expected: list[int], material_id: int) -> Response:
    """A module draft's items (version ids, in order), replacing `expected`: the list the
    change is based on (a module changed meanwhile is a 409)."""
    person, version = me(), target(material_id)
    run(lambda: modules.set_module_items(db.session(), person, version, items, expected))
    return answer(material_id)


@blp.route(MATERIAL + "/publish", methods=["POST"])
@blp.response(200, MaterialOut)
def publish(material_id: int) -> Response:
    """Publish the draft. What stands in the way (a missing field, sharing beyond the
    school's ceiling or the licence) is said field by field, and nothing is published."""
    person, version = me(), target(material_id)
    run(lambda: publishing.publish(db.session(), person, version))
    return answer(material_id)


@blp.route(MATERIAL + "/versions", methods=["POST"])
@blp.arguments(NewVersion, as_kwargs=True)
@blp.response(201, MaterialOut)
def new_version(change_note: str, material_id: int) -> Response:
    """A new draft version copied from the latest, with a note of what it changes."""
    person, version = me(), target(material_id)
    run(lambda: publishing.new_version(db.session(), person, version.material, change_note))
    return answer(material_id, 201)


@blp.route(MATERIAL + "/retire", methods=["POST"])
@blp.response(200, MaterialOut)
def retire(material_id: int) -> Response:
    """Take the material out of search and lists; schools that adopted it keep it."""
    person, version = me(), target(material_id)
    run(lambda: publishing.retire(db.session(), person, version.material))
    return answer(material_id)


@blp.route(VERSION + "/adaptations", methods=["POST"])
@blp.response(201, MaterialOut)
@blp.doc(responses=DRAFT_LINKS)
def adapt(material_id: int, number: int) -> Response:
    """Adapt a version into a new draft of the caller's school (needs the adapt right);
    lineage is kept both ways."""
    person = me()
    source = catalogue().version(material_id, number, "view")
    made = run(lambda: lineage.adapt(db.session(), person, source))
    return answer(made.id, 201)


@blp.route(MATERIAL + "/translation", methods=["PUT"])
@blp.arguments(Translation, as_kwargs=True)
@blp.response(200, MaterialOut)
def translation(original_id: int | None, material_id: int) -> Response:
    """Say which material this one translates (`null`: none)."""
    person, version = me(), target(material_id)
    run(lambda: lineage.link_translation(db.session(), person, version.material, original_id))
    return answer(material_id)


@blp.route(VERSION + "/adoption", methods=["POST"])
@blp.response(201, AdoptionOut)
def adopt(material_id: int, number: int) -> Response:
    """The caller's school adopts this version (an adoption of another version ends)."""
    person = me()
    version = catalogue().version(material_id, number, "view")
    adoption = run(lambda: lineage.adopt(db.session(), person, version))
    return respond(AdoptionOut, present.adoption(adoption), 201)
