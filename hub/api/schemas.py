"""The API's documents, as marshmallow schemas: what it reads (unknown fields are refused)
and what it answers. The OpenAPI document is generated from these.

A version's metadata fields come from the one table of them (``services.metadata.FIELDS``),
so the API names, checks and documents the same fields as the edit form.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from .. import policy
from ..models import GrantKind, MaterialKind, MembershipStatus, RequestStatus, Role
from ..models.base import ID_MAX, ID_MIN
from ..search import FACETS, SORTS
from ..services import metadata
from ..services.tokens import SCOPES

#: A database id: what the id columns hold (the pages' ``<id:...>`` converter takes the same).
ID = validate.Range(ID_MIN, ID_MAX)


class Strict(ma.Schema):
    """A document the API reads: a field it does not know is an error, not ignored."""

    class Meta:
        unknown = ma.RAISE


# Errors -------------------------------------------------------------------------------------


class ProblemSchema(ma.Schema):
    """An error (RFC 9457 problem document)."""

    type = fields.String(required=True, metadata={"description": "A URI naming the problem"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True, metadata={"description": "What to change, in words"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        metadata={"description": "Every invalid field with its messages"},
    )


# Lists -------------------------------------------------------------------------------------

LIMIT = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class PageArgs(Strict):
    """A page of a list: where to start (the ``next`` link's cursor) and how many."""

    cursor = fields.String(validate=validate.Length(max=200))
    limit = LIMIT


# Metadata of a version ------------------------------------------------------------------------


def _metadata_field(f: metadata.MetadataField, *, loading: bool) -> fields.Field:
    """The schema field of one metadata field of the table."""
    words = {"description": str(f.label)}
    if f.many:
        return fields.List(fields.String(validate=validate.Length(max=300)), metadata=words)
    if f.entry is metadata.Entry.NUMBER:
        return fields.Float(allow_none=True, allow_nan=False, metadata=words)
    limit = f.limit or 100
    if loading:
        return fields.String(validate=validate.Length(max=limit), metadata=words)
    return fields.String(allow_none=True, metadata=words)


def _metadata_fields(*, loading: bool) -> dict[str, fields.Field]:
    return {f.name: _metadata_field(f, loading=loading) for f in metadata.FIELDS}


DraftEdit = Strict.from_dict(
    {
        "revision": fields.Integer(
            required=True,
            validate=validate.Range(0, ID_MAX),
            metadata={"description": "The draft's revision the change is based on"},
        ),
        **_metadata_fields(loading=True),
    },
    name="DraftEdit",
)


class FileOut(ma.Schema):
    """A file: of a version (with its links) or of the school's uploads."""

    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    size = fields.Integer(required=True)
    media_type = fields.String(required=True)
    sha256 = fields.String(required=True)
    download_url = fields.String(
        allow_none=True, metadata={"description": "The original (needs the download right)"}
    )
    view_url = fields.String(allow_none=True, metadata={"description": "Read on screen"})


VersionOut = ma.Schema.from_dict(
    {
        "material_id": fields.Integer(required=True),
        "number": fields.Integer(required=True),
        "state": fields.String(required=True),
        "revision": fields.Integer(required=True),
        "change_note": fields.String(required=True),
        "created_at": fields.AwareDateTime(required=True),
        "updated_at": fields.AwareDateTime(required=True),
        "published_at": fields.AwareDateTime(allow_none=True),
        "url": fields.String(required=True),
        **_metadata_fields(loading=False),
    },
    name="Version",
)


class VersionBrief(ma.Schema):
    """One version in a material's history."""

    number = fields.Integer(required=True)
    state = fields.String(required=True)
    title = fields.String(required=True)
    change_note = fields.String(required=True)
    published_at = fields.AwareDateTime(allow_none=True)
    url = fields.String(required=True)


class SchoolBrief(ma.Schema):
    """A school, named: where a material or a person belongs."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True)


class LinkedMaterial(ma.Schema):
    """A material another one names (lineage), as the caller may see it."""

    material_id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True)


class LineageOut(ma.Schema):
    adapted_from = fields.Nested(LinkedMaterial, allow_none=True)
    adaptations = fields.List(fields.Nested(LinkedMaterial), required=True)
    translations = fields.List(fields.Nested(LinkedMaterial), required=True)


class MaterialOut(ma.Schema):
    """A material with the version the caller is shown (a draft for its own school's staff)."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in MaterialKind]))
    school = fields.Nested(SchoolBrief, required=True)
    retired = fields.Boolean(required=True)
    teachers_only = fields.Boolean(required=True)
    available_from = fields.AwareDateTime(allow_none=True)
    available_until = fields.AwareDateTime(allow_none=True)
    version = fields.Nested(VersionOut, required=True)
    files = fields.List(fields.Nested(FileOut), required=True)
    versions = fields.List(fields.Nested(VersionBrief), required=True)
    can = fields.Dict(
        keys=fields.String(),
        values=fields.Boolean(),
        required=True,
        metadata={"description": "What the caller may do with this version"},
    )
    html_url = fields.String(required=True)
    links = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "self, versions, lineage, files; items (modules); grants"},
    )


class Card(ma.Schema):
    """A material in a list or a search result: its current published version."""

    material_id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    language = fields.String(required=True)
    other_languages = fields.List(fields.String(), required=True)
    level = fields.String(required=True)
    resource_type = fields.String(required=True)
    regions = fields.List(fields.String(), required=True)
    licence = fields.String(required=True)
    school_name = fields.String(required=True)
    url = fields.String(required=True)
    title_html = fields.String(
        allow_none=True, metadata={"description": "The title with the search words marked"}
    )
    snippet_html = fields.String(allow_none=True)


class CardList(ma.Schema):
    items = fields.List(fields.Nested(Card), required=True)
    next_cursor = fields.String(allow_none=True)


class MaterialListArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    school = fields.Integer(validate=ID)
    kind = fields.String(validate=validate.OneOf([k.value for k in MaterialKind]))


class OwnMaterial(ma.Schema):
    """A material of the caller's school, drafts and retired ones too."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    number = fields.Integer(required=True)
    state = fields.String(required=True)
    title = fields.String(required=True)
    retired = fields.Boolean(required=True)
    url = fields.String(required=True)


class OwnMaterialList(ma.Schema):
    items = fields.List(fields.Nested(OwnMaterial), required=True)


class VersionList(ma.Schema):
    items = fields.List(fields.Nested(VersionBrief), required=True)


class FileList(ma.Schema):
    items = fields.List(fields.Nested(FileOut), required=True)


# Search --------------------------------------------------------------------------------------


class FacetValueOut(ma.Schema):
    value = fields.String(required=True)
    label = fields.String(required=True)
    count = fields.Integer(required=True)
    chosen = fields.Boolean(required=True)


SearchArgs = Strict.from_dict(
    {
        "q": fields.String(load_default="", validate=validate.Length(max=1000)),
        "sort": fields.String(load_default="relevance", validate=validate.OneOf(SORTS)),
        "page": fields.Integer(load_default=1, validate=validate.Range(1, 1000)),
        "page_size": fields.Integer(load_default=20, validate=validate.Range(1, 100)),
        **{
            facet: fields.List(
                fields.String(validate=validate.Length(max=100)),
                metadata={"description": f"Keep results with this {facet} (repeatable)"},
            )
            for facet in FACETS
        },
    },
    name="SearchArgs",
)


class SearchOut(ma.Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    suggestion = fields.String(allow_none=True)
    items = fields.List(fields.Nested(Card), required=True)
    facets = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Nested(FacetValueOut)), required=True
    )


# Writing materials ---------------------------------------------------------------------------


class NewMaterial(Strict):
    kind = fields.String(
        load_default="material", validate=validate.OneOf([k.value for k in MaterialKind])
    )
    title = fields.String(load_default="", validate=validate.Length(max=300))


class NewVersion(Strict):
    change_note = fields.String(required=True, validate=validate.Length(min=1, max=500))


class Attach(Strict):
    file_ids = fields.List(
        fields.Integer(validate=ID),
        required=True,
        validate=validate.Length(min=1, max=100),
    )


class UploadArgs(Strict):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))


class ModuleItems(Strict):
    items = fields.List(
        fields.Integer(validate=ID),
        required=True,
        metadata={"description": "Version ids of the items, in order"},
    )
    expected = fields.List(
        fields.Integer(validate=ID),
        required=True,
        metadata={"description": "The item list the change is based on"},
    )


class ModuleItemOut(ma.Schema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    version_id = fields.Integer(required=True)
    item = fields.Nested(LinkedMaterial, required=True)


class ModuleItemList(ma.Schema):
    items = fields.List(fields.Nested(ModuleItemOut), required=True)


class Translation(Strict):
    original_id = fields.Integer(required=True, allow_none=True, validate=ID)


# Sharing -------------------------------------------------------------------------------------

RIGHTS = fields.List(
    fields.String(validate=validate.OneOf(policy.RIGHTS)),
    required=True,
    validate=validate.Length(min=1),
)


class NewGrant(Strict):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in GrantKind]))
    values = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)
    rights = RIGHTS
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True)


class GrantOut(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    values = fields.List(fields.String(), required=True)
    rights = fields.List(fields.String(), required=True)
    expires_at = fields.AwareDateTime(allow_none=True)
    described = fields.String(required=True)


class GrantList(ma.Schema):
    items = fields.List(fields.Nested(GrantOut), required=True)
    audience = fields.String(required=True, metadata={"description": "Who can see it now"})


class Availability(Strict):
    teachers_only = fields.Boolean(required=True)
    available_from = fields.AwareDateTime(load_default=None, allow_none=True)
    available_until = fields.AwareDateTime(load_default=None, allow_none=True)


# Adoptions and access requests -------------------------------------------------------------------


class AdoptionOut(ma.Schema):
    id = fields.Integer(required=True)
    material = fields.Nested(LinkedMaterial, required=True)
    adopted_at = fields.AwareDateTime(required=True)


class AdoptionList(ma.Schema):
    items = fields.List(fields.Nested(AdoptionOut), required=True)


class NewAccessRequest(Strict):
    material_id = fields.Integer(required=True, validate=ID)
    rights = RIGHTS
    message = fields.String(load_default="", validate=validate.Length(max=2000))


class AccessRequestOut(ma.Schema):
    id = fields.Integer(required=True)
    material_id = fields.Integer(required=True)
    title = fields.String(allow_none=True)
    school_id = fields.Integer(required=True)
    rights = fields.List(fields.String(), required=True)
    message = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in RequestStatus]))
    reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    granted_until = fields.AwareDateTime(allow_none=True)


class AccessRequestList(ma.Schema):
    items = fields.List(fields.Nested(AccessRequestOut), required=True)


class AccessRequestArgs(Strict):
    direction = fields.String(
        load_default="outgoing", validate=validate.OneOf(["outgoing", "incoming"])
    )


class GrantRequest(Strict):
    rights = RIGHTS
    until = fields.AwareDateTime(load_default=None, allow_none=True)


class DeclineRequest(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


# Schools, the caller, usage -------------------------------------------------------------------


class SchoolOut(SchoolBrief):
    """A school in full: its name and country, and what the directory says of it."""

    region = fields.String(required=True)
    income_group = fields.String(required=True)
    languages = fields.List(fields.String(), required=True)
    website = fields.String(allow_none=True)
    status = fields.String(required=True)


class SchoolList(ma.Schema):
    items = fields.List(fields.Nested(SchoolOut), required=True)
    total = fields.Integer(required=True)
    next_cursor = fields.String(allow_none=True)


class SchoolArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    status = fields.String(validate=validate.OneOf([s.value for s in MembershipStatus]))
    region = fields.String(validate=validate.Length(max=10))
    income = fields.String(validate=validate.OneOf(list(policy.INCOME_GROUPS)))
    language = fields.String(validate=validate.Length(max=35))


class TokenOut(ma.Schema):
    name = fields.String(required=True)
    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), required=True)
    expires_at = fields.AwareDateTime(allow_none=True)


class MeOut(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    school = fields.Nested(SchoolBrief, allow_none=True)
    school_active = fields.Boolean(required=True)
    token = fields.Nested(TokenOut, required=True)


class Count(ma.Schema):
    name = fields.String(required=True)
    count = fields.Integer(required=True)


class UsageOut(ma.Schema):
    given = fields.Integer(required=True)
    taken = fields.Integer(required=True)
    by_country = fields.List(fields.Nested(Count), required=True)
    by_school = fields.List(fields.Nested(Count), required=True)
    by_month = fields.List(fields.Nested(Count), required=True)
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class UsageArgs(Strict):
    months = fields.Integer(load_default=12, validate=validate.Range(1, 120))


def counts(pairs: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """``[(name, count)]`` as the usage report's documents."""
    return [{"name": name, "count": count} for name, count in pairs]
