"""Materials and modules: the teacher's pages (drafts, editing, publishing, versions, lineage,
adaptation, module builder) and the reader's pages (browse, material page, files, compare).

Every page asks the policy module through the materials service; hidden means 404.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, cast

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import db, policy, reasons
from ..models import (
    STAFF,
    Material,
    MaterialKind,
    MaterialVersion,
    Person,
    Role,
    School,
    VersionState,
)
from ..services import (
    bookmarks,
    geography,
    lineage,
    mesh,
    metadata,
    modules,
    publishing,
    renditions,
    review_state,
    sharing,
    vocabularies,
)
from ..services import files as files_service
from ..services.catalogue import Catalogue, ModulePlace
from ..services.discovery import MaterialCard
from ..services.errors import NotFound
from ..services.languages import display_name as language_name
from ..services.markdown import render as render_markdown
from ..services.schools import active_schools
from ..storage import ContentStoreError, store
from . import reader
from .access import public, requires
from .actions import Refused, perform
from .citing import page_parts as citing_parts
from .converters import db_id, id_or_404
from .counting import count_use
from .feedback import page_parts as feedback_parts
from .files import serve_blob, serve_file
from .navigation import safe_next
from .search import found_cards
from .sharing import grant_choices
from .value_words import review_standings

if TYPE_CHECKING:
    from ..models import File

bp = Blueprint("materials", __name__)
T = TypeVar("T")

PAGE_SIZE = 24


_me = reader.me


def _staff() -> Person:
    person = _me()
    assert person is not None
    return person


def _version(
    material_id: int, number: int | None = None, action: policy.Action = "view"
) -> MaterialVersion:
    try:
        return _catalogue().version(material_id, number, action)
    except NotFound:
        abort(404)


def _form_metadata() -> metadata.Metadata:
    """The metadata form as submitted: lists from checkboxes or comma-separated text,
    one-per-line fields from text areas (see ``metadata.FIELDS``)."""
    form = request.form
    data: dict[str, Any] = {}
    for field in metadata.FIELDS:
        if field.entry is metadata.Entry.LINES:
            data[field.name] = [
                line.strip()
                for line in form.get(field.name, "").replace(";", "\n").splitlines()
                if line.strip()
            ]
        elif field.many:
            values = form.getlist(field.name)
            if len(values) == 1 and "," in values[0]:
                values = values[0].split(",")
            data[field.name] = [v.strip() for v in values if v.strip()]
        else:
            data[field.name] = form.get(field.name, "")
    # The autocomplete box adds one topic from those in use.
    picked = form.get("topic_new", "").strip()
    if picked and picked not in data["topics"]:
        data["topics"].append(picked)
    return metadata.Metadata(**data)


def _save_typed(
    version: MaterialVersion,
) -> tuple[metadata.Metadata, dict[str, str], int]:
    """Save what the teacher typed in the draft's form, sent along by a button of another
    part of the draft page, before that part acts: what was typed, and the refusal's
    errors and status (no errors: it is saved)."""
    data = _form_metadata()
    try:
        perform(
            lambda: publishing.save_draft(
                db.session(), _staff(), version, data, request.form.get("revision", type=int) or 0
            ),
            flash_refusal=False,
        )
    except Refused as exc:
        errors = getattr(exc.__cause__, "errors", None) or {exc.field or "form": exc.message}
        return data, errors, exc.status
    return data, {}, 200


# The school's own materials ----------------------------------------------------------------------


@bp.route("/materials/mine")
@requires(*STAFF)
def mine() -> str:
    found = _catalogue().school_materials(current_user.school_id)
    return render_template("materials/mine.html", materials=found)


@bp.route("/materials/new", methods=["POST"])
@requires(*STAFF)
def create() -> Response:
    kind = MaterialKind.MODULE if request.form.get("kind") == "module" else MaterialKind.MATERIAL
    material = perform(
        lambda: publishing.create_draft(db.session(), _staff(), kind, request.form.get("title", ""))
    )
    return redirect(url_for("materials.edit", material_id=material.id))


@bp.route("/materials/<id:material_id>/edit", methods=["GET", "POST"])
@requires(*STAFF)
def edit(material_id: int) -> str | Response | tuple[str, int]:
    version = _version(material_id, None, "edit")
    if version.state is not VersionState.DRAFT:
        flash(_("The published version never changes. Make a new version to edit."), "info")
        return redirect(url_for("materials.show", material_id=material_id))
    errors: dict[str, str] = {}
    status = 200
    data = metadata.Metadata.of(version)
    if request.method == "POST":
        data = _form_metadata()
        revision = request.form.get("revision", type=int) or 0
        try:
            perform(
                lambda: publishing.save_draft(db.session(), _staff(), version, data, revision),
                flash_refusal=False,
            )
        except Refused as exc:
            status = exc.status
            errors = getattr(exc.__cause__, "errors", None) or {exc.field or "form": exc.message}
        else:
            if request.form.get("then") == "publish":
                return _publish(version)
            flash(_("Draft saved."), "success")
            # Finding the school's files saves the draft first, then lists what matches.
            file_q = request.form.get("file_q", "").strip()
            finding = file_q or request.form.get("then") == "find-files"
            return redirect(
                url_for("materials.edit", material_id=material_id, file_q=file_q or None)
                + ("#files" if finding else "")
            )
    return _edit_page(version, data, errors, status)


def _edit_page(
    version: MaterialVersion, data: metadata.Metadata, errors: dict[str, str], status: int = 200
) -> tuple[str, int]:
    s = db.session()
    school_id, file_q = version.material.school_id, request.values.get("file_q", "").strip()
    school_files = files_service.school_files(
        s, school_id, text=file_q, exclude=[a.file_id for a in version.attachments]
    )
    return render_template(
        "materials/edit.html",
        version=version,
        material=version.material,
        data=data,
        errors=errors,
        school_files=school_files,
        file_q=file_q,
        file_uses=_catalogue().file_uses(school_id, [f.id for f in school_files.files]),
        form_sections=metadata.form_fields(version.material.kind),
        countries=geography.countries(),
        topics_in_use=[mesh.words(t) for t in _catalogue().topics_in_use()],
        visible_items={i.id for i in _catalogue().module_items(version)},
        candidates=_module_candidates(version) if version.is_module else [],
        **_original_search(version.material),
    ), status


def _module_candidates(version: MaterialVersion) -> list[MaterialVersion]:
    """Published materials the teacher may put in a module (matching ?find= when given)."""
    text = request.args.get("find", "").strip().lower()
    return _catalogue().listing(
        text=text,
        limit=30,
        exclude={i.item_version.material_id for i in version.items},
        kind=MaterialKind.MATERIAL,
    )


def _publish(version: MaterialVersion) -> Response | tuple[str, int]:
    try:
        perform(
            lambda: publishing.publish(db.session(), _staff(), version),
            flash_refusal=False,
        )
    except Refused as exc:
        errors = getattr(exc.__cause__, "errors", None) or {"form": exc.message}
        flash(
            _("It cannot be published yet: %(problems)s", problems=" ".join(errors.values())),
            "error",
        )
        return _edit_page(version, metadata.Metadata.of(version), errors, exc.status)
    flash(_("Version %(number)d is published.", number=version.number), "success")
    return redirect(url_for("materials.show", material_id=version.material_id))


@bp.route("/materials/<id:material_id>/publish", methods=["POST"])
@requires(*STAFF)
def publish(material_id: int) -> Response | tuple[str, int]:
    return _publish(_version(material_id, None, "publish"))


@bp.route("/materials/<id:material_id>/files", methods=["POST"])
@requires(*STAFF)
def attach(material_id: int) -> Response | tuple[str, int]:
    """Attach chosen school files and/or upload new ones (several at once) to the draft.

    The files' controls belong to the draft's form: what the teacher typed comes along and
    is saved first, so that attaching a file never drops it."""
    version = _version(material_id, None, "edit")
    me = _staff()
    if "revision" in request.form:
        data, errors, status = _save_typed(version)
        if errors:
            errors.setdefault(
                "files", _("Nothing was attached: correct the draft first, then attach again.")
            )
            return _edit_page(version, data, errors, status)
    ids = [i for i in map(id_or_404, request.form.getlist("file_id")) if i is not None]
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        for upload in request.files.getlist("file"):
            if not upload.filename:
                continue
            stored = perform(
                lambda u=upload: files_service.store_upload(  # type: ignore[misc]
                    store(), cast(BinaryIO, u.stream), u.filename or "file", max_bytes=limit
                ),
                flash_refusal=True,
            )
            record = perform(
                lambda st=stored: files_service.record_upload(  # type: ignore[misc]
                    db.session(), me, st
                )
            )
            ids.append(record.id)
        perform(lambda: publishing.attach_files(db.session(), me, version, ids))
    except Refused as exc:
        return _edit_page(
            version, metadata.Metadata.of(version), {"files": exc.message}, exc.status
        )
    if ids:
        flash(ngettext("%(num)d file attached.", "%(num)d files attached.", len(ids)), "success")
    return redirect(url_for("materials.edit", material_id=material_id) + "#files")


@bp.route("/materials/<id:material_id>/files/<id:file_id>/remove", methods=["POST"])
@requires(*STAFF)
def detach(material_id: int, file_id: int) -> Response:
    version = _version(material_id, None, "edit")
    perform(lambda: publishing.detach_file(db.session(), _staff(), version, file_id))
    return redirect(url_for("materials.edit", material_id=material_id) + "#files")


@bp.route("/materials/<id:material_id>/items", methods=["POST"])
@requires(*STAFF)
def set_items(material_id: int) -> Response | tuple[str, int]:
    """The module builder: add, remove or move one item, against the list the page showed."""
    version = _version(material_id, None, "edit")
    expected = [int(i) for i in request.form.get("expected", "").split(",") if i.isdigit()]
    items = list(expected)
    op, target = request.form.get("op", ""), id_or_404(request.form.get("item"))
    if op == "add" and target:
        items.append(target)
    elif op == "remove" and target in items:
        items.remove(target)
    elif op in ("up", "down") and target in items:
        i = items.index(target)
        j = i - 1 if op == "up" else i + 1
        if 0 <= j < len(items):
            items[i], items[j] = items[j], items[i]
    try:
        perform(lambda: modules.set_module_items(db.session(), _staff(), version, items, expected))
    except Refused as exc:
        return _edit_page(
            version, metadata.Metadata.of(version), {"items": exc.message}, exc.status
        )
    return redirect(url_for("materials.edit", material_id=material_id) + "#items")


@bp.route("/materials/<id:material_id>/new-version", methods=["POST"])
@requires(*STAFF)
def new_version(material_id: int) -> Response:
    material = _version(material_id, None, "edit").material
    try:
        perform(
            lambda: publishing.new_version(
                db.session(), _staff(), material, request.form.get("change_note", "")
            )
        )
    except Refused:
        return redirect(url_for("materials.show", material_id=material_id))
    return redirect(url_for("materials.edit", material_id=material_id))


@bp.route("/materials/<id:material_id>/retire", methods=["POST"])
@requires(*STAFF)
def retire(material_id: int) -> Response:
    material = _version(material_id, None, "manage").material
    perform(
        lambda: publishing.retire(db.session(), _staff(), material),
        _("It is retired: it leaves search; schools that adopted it keep their version."),
    )
    return redirect(url_for("materials.show", material_id=material_id))


# The original a translation translates: found by search, never by its number -------------

ORIGINALS_SHOWN = 10


def _originals(material: Material, text: str) -> list[MaterialCard]:
    """Materials matching ``text`` that could be the original of ``material``: what the
    search finds for the teacher (the index filtered by the policy's tokens, each card
    decided by the policy), so a material hidden from them is never offered."""
    if not text:
        return []
    viewer = policy.viewer_for(db.session(), _me(), adoptions=False)
    found = found_cards(viewer, text=text, sort="relevance", size=ORIGINALS_SHOWN + 1)
    return [card for card in found if card.material_id != material.id][:ORIGINALS_SHOWN]


def _original_search(material: Material) -> dict[str, Any]:
    """The part of a page that links a translation to its original: the original linked
    now (if the teacher may still see it), the search words (?original_q=) and what they find."""
    text = request.args.get("original_q", "").strip()[:200]
    linked = material.translation_of_id
    shown = _catalogue().shown_versions([linked]) if linked else {}
    return {
        "original": shown.get(linked) if linked else None,
        "original_q": text,
        "originals": _originals(material, text),
    }


def _from_draft_page(version: MaterialVersion) -> bool:
    """Whether the form came from the draft page (its controls belong to the draft's form)."""
    return "revision" in request.form and version.state is VersionState.DRAFT


@bp.route("/materials/<id:material_id>/translation", methods=["GET"])
@requires(*STAFF)
def translation_page(material_id: int) -> str:
    """Say which material this one translates, by searching for it."""
    version = _version(material_id, None, "edit")
    return render_template(
        "materials/translation.html",
        material=version.material,
        version=version,
        **_original_search(version.material),
    )


@bp.route("/materials/<id:material_id>/translation/find", methods=["POST"])
@requires(*STAFF)
def find_original(material_id: int) -> Response | tuple[str, int]:
    """Search for the original; from the draft page, what was typed is saved first."""
    version = _version(material_id, None, "edit")
    text = request.form.get("original_q", "").strip()[:200]
    if not _from_draft_page(version):
        return redirect(
            url_for("materials.translation_page", material_id=material_id, original_q=text)
            + "#translation"
        )
    data, errors, status = _save_typed(version)
    if errors:
        return _edit_page(version, data, errors, status)
    return redirect(
        url_for("materials.edit", material_id=material_id, original_q=text) + "#translation"
    )


@bp.route("/materials/<id:material_id>/originals")
@requires(*STAFF)
def originals(material_id: int) -> Response:
    """What the original search finds, for filtering as the teacher types (JSON)."""
    material = _version(material_id, None, "edit").material
    found = _originals(material, request.args.get("q", "").strip()[:200])
    return jsonify(
        originals=[
            {
                "id": card.material_id,
                "title": card.title,
                "language": card.language,
                "details": f"{card.school_name} · {language_name(card.language)}",
            }
            for card in found
        ]
    )


@bp.route("/topics/suggest")
@requires(*STAFF)
def suggest_topics() -> Response:
    """MeSH descriptors for what a teacher is typing in the topics of a draft (JSON), those
    already in use in the hub first among equals."""
    found = mesh.suggest(request.args.get("q", ""), preferred=_catalogue().topics_in_use())
    return jsonify(topics=[{"id": t.id, "name": t.name, "uri": t.uri} for t in found])


@bp.route("/materials/<id:material_id>/translation", methods=["POST"])
@requires(*STAFF)
def translation(material_id: int) -> Response | tuple[str, int]:
    """Link (or unlink, when blank) the original this material translates."""
    version = _version(material_id, None, "edit")
    from_draft = _from_draft_page(version)
    if from_draft:
        data, errors, status = _save_typed(version)
        if errors:
            errors.setdefault(
                "translation_of",
                _("The link was not saved: correct the draft first, then choose again."),
            )
            return _edit_page(version, data, errors, status)
    original = id_or_404(request.form.get("translation_of"))  # blank: no translation
    with contextlib.suppress(Refused):  # the refusal is flashed
        perform(
            lambda: lineage.link_translation(db.session(), _staff(), version.material, original),
            _("The translation link is saved."),
        )
    if from_draft:
        return redirect(url_for("materials.edit", material_id=material_id) + "#translation")
    return redirect(url_for("materials.show", material_id=material_id))


@bp.route("/materials/<id:material_id>/v/<id:number>/adapt", methods=["POST"])
@requires(*STAFF)
def adapt(material_id: int, number: int) -> Response:
    source = _version(material_id, number, "view")
    try:
        material = perform(lambda: lineage.adapt(db.session(), _staff(), source))
    except Refused:
        return redirect(url_for("materials.show", material_id=material_id))
    flash(_("Your adaptation is a new draft of your school. Its lineage is kept."), "success")
    return redirect(url_for("materials.edit", material_id=material.id))


@bp.route("/materials/<id:material_id>/v/<id:number>/adopt", methods=["POST"])
@requires(*STAFF)
def adopt(material_id: int, number: int) -> Response:
    version = _version(material_id, number, "view")
    with contextlib.suppress(Refused):  # the refusal is flashed
        perform(
            lambda: lineage.adopt(db.session(), _staff(), version),
            _(
                "Your school adopted version %(number)d; it stays yours until you move.",
                number=number,
            ),
        )
    return redirect(url_for("materials.show", material_id=material_id, v=number))


# Reading --------------------------------------------------------------------------------


_catalogue = reader.catalogue


@bp.route("/browse")
@public
def browse() -> str:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    text = request.args.get("q", "").strip()
    me = _me()
    s = db.session()
    view_as, as_school, as_role = _view_as(me)
    if view_as is not None and me is not None:
        # How our own materials look to that school's people: never that school's catalogue.
        found = Catalogue(s, view_as).listing(
            text=text,
            limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE,
            owner_school_id=me.school_id,
        )
    else:
        found = _catalogue().listing(text=text, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "materials/browse.html",
        versions=found[:PAGE_SIZE],
        reviews=review_standings(found[:PAGE_SIZE]),
        page=page,
        has_more=len(found) > PAGE_SIZE,
        q=text,
        as_school=as_school,
        as_role=as_role,
        member_schools=active_schools(s) if me is not None and me.role is Role.SCHOOL_ADMIN else [],
    )


def _view_as(me: Person | None) -> tuple[policy.Viewer | None, School | None, str]:
    """A school admin previews their school's own materials as a student or teacher of a
    member school would see them."""
    school_id = id_or_404(request.args.get("as_school"))
    role = request.args.get("as_role", "student")
    if me is None or me.role is not Role.SCHOOL_ADMIN or not school_id:
        return None, None, ""
    school = db.session().get(School, school_id)
    if school is None or role not in ("student", "teacher"):
        abort(404)
    return policy.viewer_as(school, role), school, role


@bp.route("/materials/<id:material_id>")
@public
def show(material_id: int) -> str:
    number = id_or_404(request.args.get("v"))
    version = _version(material_id, number, "view")
    s = db.session()
    me = _me()
    catalogue = _catalogue()
    can = catalogue.decisions(version)
    material = version.material
    lineage = catalogue.lineage(material)
    page = render_template(
        "materials/show.html",
        version=version,
        material=material,
        can=can,
        place=_module_place(catalogue, version, me),
        summary_html=render_markdown(version.summary),
        versions=catalogue.versions_of(material),
        lineage=lineage,
        about=metadata.about(version),
        items=catalogue.module_items(version),
        done=modules.items_done(s, me, version),
        markdown_previews=_markdown_previews(version),
        on_list=me is not None and bookmarks.is_bookmarked(s, me, material),
        **(_sharing_context(material) if can["manage"] else {}),
        viewing=renditions.viewing,
        **citing_parts(catalogue, version, lineage),
        **feedback_parts(version, me),
        review_state=review_standings([version]).get(material.id),
        review_summary=review_state.public_summary(s, material.id),
    )
    if version.state is not VersionState.DRAFT:
        # Opening a module is starting it; the owner school's own reading counts as any.
        # Counted once the page is read: the count's write ends the reading transaction, and
        # what the page read in it (the policy's facts) would be read again.
        count_use("module" if material.is_module else "view", version, me)
    return page


def _module_place(
    catalogue: Catalogue, item: MaterialVersion, me: Person | None
) -> ModulePlace | None:
    """The module the item was opened from (``?module=<id>&mv=<version>``) and the item's
    place in it, remembered for "Continue where you left off". A module the reader may not
    see, or one that does not hold the item, is ignored: the item shows on its own."""
    module_id = request.args.get("module", type=db_id)
    if module_id is None:
        return None
    place = catalogue.module_place(module_id, request.args.get("mv", type=db_id), item)
    if place is not None and me is not None:
        here = place.items[place.index]
        db.write_after_read(
            lambda: perform(lambda: modules.remember_place(db.session(), me, place.module, here))
        )
    return place


@bp.route("/materials/<id:material_id>/v/<id:number>/items/<id:item_id>/done", methods=["POST"])
@requires()
def item_done(material_id: int, number: int, item_id: int) -> Response:
    """Tick (or untick) one item of a module as finished."""
    version = _version(material_id, number, "view")
    done = request.form.get("done", "1") == "1"
    me = _me()
    assert me is not None
    perform(lambda: modules.set_item_done(db.session(), me, version, item_id, done))
    return redirect(url_for("materials.show", material_id=material_id, v=number) + "#items")


MARKDOWN_PREVIEW_LIMIT = 256 * 1024


def _markdown_previews(version: MaterialVersion) -> dict[int, str]:
    """Markdown files of the version rendered (and sanitised) for reading on the page."""
    previews: dict[int, str] = {}
    for f in version.files:
        if f.media_type != "text/markdown" or f.size > MARKDOWN_PREVIEW_LIMIT:
            continue
        try:
            with store().open(f.sha256) as stream:
                text = stream.read(MARKDOWN_PREVIEW_LIMIT).decode("utf-8", "replace")
        except ContentStoreError:
            continue  # the file itself is still offered; `hub store check` reports the blob
        previews[f.id] = render_markdown(text)
    return previews


def _sharing_context(material: Material) -> dict[str, Any]:
    """What the sharing panel needs (owner school's staff only)."""
    s = db.session()
    return {
        "audience": sharing.audience(s, material),
        **grant_choices(material),
        "describe_grant": reasons.describe_grant,
        "grant_facts": policy.grant_facts,
        "v": vocabularies,
    }


@bp.route("/materials/<id:material_id>/bookmark", methods=["POST"])
@requires()
def bookmark(material_id: int) -> Response:
    """Add to or remove from My list."""
    material = _version(material_id, None, "view").material
    me = _me()
    assert me is not None
    on = perform(lambda: bookmarks.toggle_bookmark(db.session(), me, material))
    flash(_("On your list.") if on else _("Taken off your list."), "success")
    here = url_for("materials.show", material_id=material_id)
    return redirect(safe_next(request.form.get("back"), here))


@bp.route("/my-list")
@requires()
def my_list() -> str:
    s = db.session()
    me = _me()
    assert me is not None
    versions = _catalogue().bookmarked(me)
    progress = {
        v.id: (len(modules.items_done(s, me, v)), len(v.items)) for v in versions if v.is_module
    }
    return render_template(
        "materials/my_list.html",
        versions=versions,
        reviews=review_standings(versions),
        progress=progress,
    )


def _compared(values: list[str]) -> str:
    """A field's values as the compare page shows them: joined, a dash for nothing."""
    return ", ".join(values) or "—"


@bp.route("/materials/<id:material_id>/compare")
@public
def compare(material_id: int) -> str:
    a = _version(material_id, id_or_404(request.args.get("a")) or 1, "view")
    b = _version(material_id, id_or_404(request.args.get("b")) or a.number, "view")
    rows = [(_("Change note"), _compared([a.change_note]), _compared([b.change_note]))]
    rows += [(f.label, _compared(f.in_words(a)), _compared(f.in_words(b))) for f in metadata.FIELDS]
    left_files = {f.sha256: f.filename for f in a.files}
    right_files = {f.sha256: f.filename for f in b.files}
    return render_template(
        "materials/compare.html",
        a=a,
        b=b,
        rows=rows,
        left_files=left_files,
        right_files=right_files,
    )


@bp.route("/materials/<id:material_id>/v/<id:number>/files/<id:file_id>/<path:filename>")
@public
def file(material_id: int, number: int, file_id: int, filename: str) -> Response:
    """The original file of a version: only with the 'download' right. Reading on screen
    without it goes through ``file_view``; this address never serves less or more."""
    catalogue = _catalogue()
    try:
        version, record = catalogue.file(material_id, number, file_id, "view")
    except NotFound:
        abort(404)
    decision = catalogue.decide(version, "download")
    if not decision:
        # The page is visible to this person, so saying why leaks nothing.
        abort(403, description=reasons.words(decision))
    _count_use("download", version)
    inline = request.args.get("inline") == "1" and files_service.can_show_inline(record.media_type)
    return serve_file(record, inline=inline)


def _count_use(kind: str, version: MaterialVersion) -> None:
    count_use(kind, version, _me())


def _viewable(material_id: int, number: int, file_id: int) -> tuple[MaterialVersion, File]:
    try:
        return _catalogue().file(material_id, number, file_id, "view")
    except NotFound:
        abort(404)


def _rendered(render: Callable[[], T]) -> T:
    """A rendition (a page image, a page count): made once, then remembered by the store and
    the ``rendition`` table, which a reading request writes on purpose."""
    return db.write_after_read(lambda: perform(render, flash_refusal=False))


@bp.route("/materials/<id:material_id>/v/<id:number>/files/<id:file_id>/view")
@public
def file_view(material_id: int, number: int, file_id: int) -> str | tuple[str, int]:
    """Read a file on screen with the 'view' right: PDF and office pages as images, an image
    at screen size, video and audio streamed, plain text in the page."""
    version, record = _viewable(material_id, number, file_id)
    how = renditions.viewing(record.media_type)
    width = renditions.nearest_width(request.args.get("width", type=int))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    context: dict[str, Any] = {
        "version": version,
        "material": version.material,
        "record": record,
        "viewing": how,
        "page": page,
        "width": width,
        "widths": renditions.WIDTHS,
        "pages": 1,
        "text": None,
        "error": None,
        "can_download": bool(_catalogue().decide(version, "download")),
    }
    status = 200
    try:
        if how.how == "pages":
            context["pages"] = _rendered(
                lambda: renditions.page_count(db.session(), store(), record)
            )
            if page > context["pages"]:
                abort(404)
        elif how.how == "text":
            context["text"] = renditions.text(store(), record)
        elif how.how == "markdown":
            context["markdown_html"] = _markdown_previews(version).get(record.id, "")
    except Refused as exc:
        context["error"], status = exc.message, exc.status
    except ContentStoreError:
        context["error"], status = _("The file cannot be read just now. Try again later."), 503
    if page == 1 and status == 200:
        _count_use("preview", version)
    return render_template("materials/file_view.html", **context), status


@bp.route("/materials/<id:material_id>/v/<id:number>/files/<id:file_id>/pages/<id:page>.png")
@public
def file_page(material_id: int, number: int, file_id: int, page: int) -> Response:
    """One page of a PDF or office document (or an image) rendered at a screen width."""
    _version_, record = _viewable(material_id, number, file_id)
    width = request.args.get("width", renditions.DEFAULT_WIDTH, type=int)
    try:
        rendered = _rendered(lambda: renditions.page(db.session(), store(), record, page, width))
    except Refused as exc:
        abort(exc.status, description=exc.message)
    except ContentStoreError:
        abort(503, description=_("The file cannot be read just now. Try again later."))
    return serve_blob(rendered.sha256, rendered.media_type, f"page-{page}.png")


@bp.route("/materials/<id:material_id>/v/<id:number>/files/<id:file_id>/stream")
@public
def file_stream(material_id: int, number: int, file_id: int) -> Response:
    """Video and audio streamed for watching and listening (ranges, for seeking). A player
    embedded in a page fetches it by itself: that is not a use a person made, so it is not
    counted (opening a preview or downloading is)."""
    _version_, record = _viewable(material_id, number, file_id)
    if renditions.viewing(record.media_type).how != "stream":
        abort(404)
    return serve_file(record, inline=True)
