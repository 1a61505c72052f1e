"""How to cite and attribute a version: its stable address, the citation downloads (CSL-JSON,
BibTeX, RIS), and what the material page shows (an APA reference, a TASL attribution line,
schema.org JSON-LD when the page is public)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, url_for

from ..i18n import current_language
from ..models import MaterialVersion, VersionState
from ..services import citation, linked_data
from ..services.catalogue import Catalogue, Lineage
from ..services.errors import NotFound
from . import reader
from .access import public

bp = Blueprint("citing", __name__)


def version_address(version: MaterialVersion) -> str:
    """The stable, absolute address of one version of a material."""
    return url_for(
        "materials.show", material_id=version.material_id, v=version.number, _external=True
    )


def page_parts(catalogue: Catalogue, version: MaterialVersion, lineage: Lineage) -> dict[str, Any]:
    """What the material page shows to cite and attribute ``version`` (nothing for a draft,
    whose address is not yet a version's), and its JSON-LD when a visitor may view it;
    ``lineage``: the material's, as the page shows it to the reader."""
    if version.state is VersionState.DRAFT:
        return {"work": None, "attribution": None, "reference": None, "jsonld": None}
    work = citation.work_of(catalogue, version, version_address, lineage)
    return {
        "work": work,
        "attribution": citation.attribution(work),
        "reference": citation.reference(work, current_language().code),
        "jsonld": linked_data.learning_resource(catalogue.session, version, version_address),
        "citation_formats": citation.FORMATS,
    }


@bp.route("/materials/<id:material_id>/v/<id:number>/citation.<any(json, bib, ris):extension>")
@public
def download(material_id: int, number: int, extension: str) -> Response:
    """The citation of one version as a file for a reference manager."""
    catalogue = reader.catalogue()
    try:
        version = catalogue.version(material_id, number, "view")
    except NotFound:
        abort(404)
    work = citation.work_of(catalogue, version, version_address)
    media_type, _name = citation.FORMATS[extension]
    response = Response(citation.download(work, extension), mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{work.key}.{extension}"'
    return response
