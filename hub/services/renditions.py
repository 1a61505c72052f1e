"""Viewing without downloading: what the server shows of a file to someone who may view a
material but not download it.

PDFs (and office documents, converted to PDF where LibreOffice is installed) are read as page
images rendered here with PDFium; images are shown at screen size; video and audio are streamed
(``materials.file_stream``); plain text is shown in the page. Only the ``download`` right serves
the original file. What is rendered is kept in the content store as a blob and remembered in
the ``rendition`` table by the source's hash, page and width, so each is made once (the
caller commits).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Literal, cast

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from content_store import ContentStore, ContentStoreError

from ..models import File, Rendition
from .errors import NotFound, ServiceError

# The widths a page or an image is rendered at (zoom steps): a few, so that the cache stays small.
WIDTHS = (480, 800, 1200, 1600)
DEFAULT_WIDTH = 800
# Longer documents are read page by page all the same; this bounds the pages one may ask for.
MAX_PAGES = 2000
TEXT_LIMIT = 256 * 1024
OFFICE_TYPES = {
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.text",
}
OFFICE_TIMEOUT_S = 120

How = Literal["pages", "image", "stream", "text", "markdown", "none"]


class CannotRender(ServiceError):
    """The file cannot be shown on screen (a damaged PDF, a conversion that failed)."""

    status = 422


@dataclass(frozen=True)
class Viewing:
    """How a file of a given type is shown to a reader, or why it cannot be."""

    how: How
    why_not: str = ""


def office_converter() -> str | None:
    """The LibreOffice program that converts office files to PDF, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def viewing(media_type: str) -> Viewing:
    """How the hub shows a file of ``media_type`` on screen."""
    if media_type == "application/pdf":
        return Viewing("pages")
    if media_type in OFFICE_TYPES:
        if office_converter() is not None:
            return Viewing("pages")
        return Viewing(
            "none",
            _(
                "This server has no office converter (LibreOffice), so office documents "
                "have no preview here."
            ),
        )
    if media_type.startswith("image/"):
        return Viewing("image")
    if media_type.startswith(("video/", "audio/")):
        return Viewing("stream")
    if media_type == "text/plain":
        return Viewing("text")
    if media_type == "text/markdown":
        return Viewing("markdown")
    return Viewing("none", _("A package like this cannot be shown in the page."))


def nearest_width(width: int | None) -> int:
    """The rendered width closest to the one asked for (the default when none is)."""
    if not width:
        return DEFAULT_WIDTH
    return min(WIDTHS, key=lambda w: abs(w - width))


@dataclass(frozen=True)
class Rendered:
    """One rendered page (or image) in the content store."""

    sha256: str
    media_type: str
    page_count: int


def page(session: Session, store: ContentStore, record: File, number: int, width: int) -> Rendered:
    """Page ``number`` (1-based) of a PDF or office document, or an image, as PNG at
    ``width`` pixels (one of ``WIDTHS``); rendered once and then read from the store."""
    if width not in WIDTHS:
        raise NotFound(_("There is no such page."))
    how = viewing(record.media_type).how
    if how not in ("pages", "image"):
        raise NotFound(_("There is no such page."))
    if how == "image" and number != 1:
        raise NotFound(_("There is no such page."))
    cached = _cached(session, store, record.sha256, number, width)
    if cached is not None:
        if number > cached.page_count:
            raise NotFound(_("There is no such page."))
        return cached
    if how == "image":
        data, count = _image_png(store, record.sha256, width), 1
    else:
        source = _pdf_source(session, store, record)
        count = _page_count(store, source)
        if not 1 <= number <= min(count, MAX_PAGES):
            raise NotFound(_("There is no such page."))
        data = _pdf_page_png(store, source, number, width)
    return _remember(session, store, record.sha256, number, width, data, "image/png", count)


def page_count(session: Session, store: ContentStore, record: File) -> int:
    """How many pages a PDF or office document has (1 for an image)."""
    if viewing(record.media_type).how == "image":
        return 1
    return page(session, store, record, 1, DEFAULT_WIDTH).page_count


def first_pages(session: Session, store: ContentStore, files: list[File]) -> int:
    """Render the first page of each of ``files`` that is read as pages or an image, so that
    its first reader does not wait for it (an office document's conversion takes seconds);
    a file that cannot be rendered is left for the page to say so. How many were rendered.
    The caller commits."""
    rendered = 0
    for record in files:
        if viewing(record.media_type).how not in ("pages", "image"):
            continue
        try:
            page(session, store, record, 1, DEFAULT_WIDTH)
        except (CannotRender, NotFound):
            continue
        rendered += 1
    return rendered


def text(store: ContentStore, record: File) -> str:
    """The start of a plain-text file, for reading in the page."""
    with store.open(record.sha256) as stream:
        return stream.read(TEXT_LIMIT).decode("utf-8", "replace")


# Making renditions ---------------------------------------------------------------------------


def _cached(
    session: Session, store: ContentStore, source: str, number: int, width: int
) -> Rendered | None:
    found = session.scalar(
        select(Rendition).where(
            Rendition.source_sha256 == source, Rendition.page == number, Rendition.width == width
        )
    )
    if found is None or not store.exists(found.sha256):
        return None  # never made, or its blob was collected: make it again
    return Rendered(found.sha256, found.media_type, found.page_count)


def _remember(
    session: Session,
    store: ContentStore,
    source: str,
    number: int,
    width: int,
    data: bytes,
    media_type: str,
    count: int,
) -> Rendered:
    blob = store.put(io.BytesIO(data), media_type)
    existing = session.scalar(
        select(Rendition).where(
            Rendition.source_sha256 == source, Rendition.page == number, Rendition.width == width
        )
    )
    try:
        with session.begin_nested():
            if existing is None:
                session.add(
                    Rendition(
                        source_sha256=source,
                        page=number,
                        width=width,
                        sha256=blob.sha256,
                        media_type=media_type,
                        page_count=count,
                    )
                )
            else:
                existing.sha256, existing.page_count = blob.sha256, count
    except IntegrityError:
        pass  # another request rendered the same page meanwhile: the same bytes, kept once
    return Rendered(blob.sha256, media_type, count)


@contextlib.contextmanager
def _local_copy(store: ContentStore, sha256: str) -> Iterator[Path]:
    """A path to the blob's bytes: the store's own file, or a temporary copy (S3)."""
    path = getattr(store, "path", lambda _sha: None)(sha256)
    if path is not None and Path(path).exists():
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="hub-render-") as folder:
        target = Path(folder) / "source"
        with store.open(sha256) as stream, target.open("wb") as out:
            shutil.copyfileobj(cast(IO[bytes], stream), out, 1024 * 1024)
        yield target


def _pdf_source(session: Session, store: ContentStore, record: File) -> str:
    """The hash of the PDF to render: the file itself, or its conversion to PDF."""
    if record.media_type == "application/pdf":
        return record.sha256
    converted = _cached(session, store, record.sha256, 0, 0)
    if converted is not None:
        return converted.sha256
    program = office_converter()
    if program is None:
        raise NotFound(_("There is no such page."))
    with _local_copy(store, record.sha256) as path, tempfile.TemporaryDirectory() as out:
        source = Path(out) / f"document{Path(record.filename).suffix or '.bin'}"
        shutil.copyfile(path, source)
        try:
            subprocess.run(
                [program, "--headless", "--convert-to", "pdf", "--outdir", out, str(source)],
                check=True,
                capture_output=True,
                timeout=OFFICE_TIMEOUT_S,
            )
            data = source.with_suffix(".pdf").read_bytes()
        except (OSError, subprocess.SubprocessError) as exc:
            raise CannotRender(
                _("This document could not be converted for viewing. Ask for download rights.")
            ) from exc
    count = _page_count_of(data)
    return _remember(session, store, record.sha256, 0, 0, data, "application/pdf", count).sha256


def _page_count_of(data: bytes | Path) -> int:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise CannotRender(_("This PDF cannot be read for viewing.")) from exc
    try:
        return len(document)
    finally:
        document.close()


def _page_count(store: ContentStore, sha256: str) -> int:
    with _local_copy(store, sha256) as path:
        return _page_count_of(path)


def _pdf_page_png(store: ContentStore, sha256: str, number: int, width: int) -> bytes:
    import pypdfium2 as pdfium

    with _local_copy(store, sha256) as path:
        try:
            document = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as exc:
            raise CannotRender(_("This PDF cannot be read for viewing.")) from exc
        try:
            pdf_page = document[number - 1]
            page_width, _height = pdf_page.get_size()
            bitmap = pdf_page.render(scale=width / max(page_width, 1.0))
            image = bitmap.to_pil()
            if image.width != width:  # PDFium rounds the size up by a pixel now and then
                image = image.resize((width, round(image.height * width / image.width)))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
            return out.getvalue()
        finally:
            document.close()


def _image_png(store: ContentStore, sha256: str, width: int) -> bytes:
    from PIL import Image, UnidentifiedImageError

    try:
        with store.open(sha256) as stream, Image.open(cast(BinaryIO, stream)) as image:
            image.thumbnail((width, width * 4))  # never larger than the original
            out = io.BytesIO()
            image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB").save(
                out, format="PNG", optimize=True
            )
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ContentStoreError) as exc:
        raise CannotRender(_("This image cannot be shown.")) from exc
