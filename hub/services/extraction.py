"""Text extraction for search: the words inside uploaded files, read with limits.

Extraction only feeds the search index, so it must never stand between a teacher and a
published material: ``extract_text`` does not raise for bad content. A file whose text cannot
be read gives empty text and the reason in words, which the page can show.

Files come from anyone in the consortium, so every reader here is bounded:
- size: at most ``max_bytes`` of the stream is read; zip members are checked for their
  uncompressed size and compression ratio before they are inflated, and counted while they
  are (zip bombs);
- XML: parsed by expat as a stream, and any document type declaration (the carrier of entity
  expansion attacks such as "billion laughs" and of external entities) is refused, as Office
  Open XML and OpenDocument never contain one;
- time: the work runs in a worker thread that the caller waits for at most ``timeout_s``
  seconds; the worker also checks the deadline between pages, chunks and members, so it
  stops soon after the caller has given up. A single call into pypdf cannot be interrupted,
  so at most ``WORKERS`` extractions run at once: a handful of pathological PDFs cannot take
  every processor.
"""

from __future__ import annotations

import codecs
import contextlib
import html.parser
import logging
import posixpath
import re
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import IO, BinaryIO, NoReturn
from xml.parsers import expat

import pypdf
from flask_babel import lazy_gettext as _l

__all__ = ["SUPPORTED", "ExtractedText", "extract_text"]

logger = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODP = "application/vnd.oasis.opendocument.presentation"
ZIP = "application/zip"
PLAIN = "text/plain"
MARKDOWN = "text/markdown"

_LABELS = {PDF: "PDF", DOCX: "DOCX", PPTX: "PPTX", ODT: "ODT", ODP: "ODP", ZIP: "ZIP"}
SUPPORTED = frozenset({*_LABELS, PLAIN, MARKDOWN})

MiB = 1024 * 1024
MAX_MEMBER_BYTES = 64 * MiB  # uncompressed size of one zip member we agree to read
MAX_PACKAGE_BYTES = 256 * MiB  # uncompressed bytes read from all members of one package
MAX_RATIO = 100  # real documents deflate 5-30 times; bombs a thousand times and more
RATIO_FREE_BYTES = 1 * MiB  # small members may compress as well as they like
MAX_HTML_MEMBERS = 2000
WORKERS = 4
_CHUNK = 64 * 1024
_SPOOL_IN_MEMORY = 8 * MiB  # larger inputs are spooled to a temporary file

_NS_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_NS_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_NS_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_NS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_OFFICE_DOCUMENT = "/officeDocument"  # end of the relationship type of an OOXML main part

# Characters that cannot be stored or indexed: C0 controls other than whitespace, DEL,
# non-characters, and lone surrogates (PostgreSQL refuses them in text, UTF-8 cannot encode
# them). Broken PDF font maps produce all of these.
_UNSTORABLE = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class ExtractedText:
    """The text found in a file.

    ``complete`` is False when the text was cut (``max_chars``, ``max_bytes``, the time limit)
    or part of the file could not be read. ``problem`` says in words why text is missing, or
    None when there is nothing to tell; it is a lazy string (``lazy_gettext``) worded in the
    reader's interface language when shown, since extraction runs in a worker thread.
    """

    text: str
    complete: bool
    problem: str | None


class _Unreadable(Exception):
    """The file's text cannot be read; the message says why, in words for people."""


class _Enough(Exception):
    """``max_chars`` of text have been collected: stop reading."""


class _TimeUp(Exception):
    """The deadline has passed, or the caller has given up waiting."""


class _Sink:
    """Collects normalised text: one line per paragraph, a blank line between sections.

    It is shared with the waiting thread, which takes what has been collected so far when the
    time is up; the worker only ever appends to ``parts``.
    """

    def __init__(self, max_chars: int, deadline: float) -> None:
        self.max_chars = max_chars
        self.deadline = deadline
        self.cancelled = False
        self.cut = False
        self.parts: list[str] = []  # "" stands for a section break
        self._size = 0
        self._current: list[str] = []
        self._current_size = 0
        self._dirty = False  # the current paragraph has more than whitespace

    def check(self) -> None:
        """Stop the worker once the deadline has passed or the caller has given up."""
        if self.cancelled or time.monotonic() > self.deadline:
            raise _TimeUp

    def add(self, text: str) -> None:
        """Append text to the current paragraph."""
        if not text:
            return
        self._current.append(text)
        self._current_size += len(text)
        if not self._dirty and not text.isspace():
            self._dirty = True
        if self._current_size > _CHUNK:
            # One paragraph without end (a text file without line breaks) must not grow
            # without bound: squeeze its whitespace now and stop if it is already enough.
            joined = "".join(self._current)
            squeezed = " ".join(joined.split()) + (" " if joined[-1].isspace() else "")
            self._current, self._current_size = [squeezed], len(squeezed)
            if self._size + self._current_size > self.max_chars:
                self.paragraph()

    def paragraph(self) -> None:
        """End the current paragraph."""
        text = " ".join(_UNSTORABLE.sub(" ", "".join(self._current)).split())
        self._current, self._current_size, self._dirty = [], 0, False
        if text:
            self.parts.append(text)
            self._size += len(text) + 1
        # _size counts a line end after every paragraph, one more than the joined text has.
        if self._size > self.max_chars + 1:
            self.cut = True
            raise _Enough

    def line_break(self) -> None:
        """A line break in plain text: ends a paragraph; an empty line ends a section."""
        if self._dirty:
            self.paragraph()
        else:
            self._current, self._current_size = [], 0
            self.section()

    def section(self) -> None:
        """End a page, slide or document part."""
        self.paragraph()
        if self.parts and self.parts[-1]:
            self.parts.append("")

    def text(self) -> str:
        """What has been collected, cut to ``max_chars`` (at a word boundary when close)."""
        # A copy first: the worker may still be appending. Section breaks ("") become the
        # blank lines between paragraphs.
        text = "\n".join(list(self.parts)).strip()
        if len(text) > self.max_chars:
            self.cut = True
            text = text[: self.max_chars]
            space = max(text.rfind(" "), text.rfind("\n"))
            if space > self.max_chars - 50:
                text = text[:space]
            text = text.rstrip()
        return text


def _size_in_words(size: int) -> str:
    if size >= MiB:
        return f"{size / MiB:.0f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def _timeout_in_words(timeout_s: float, busy: bool = False) -> str:
    if busy:
        return _l(
            "took longer than %(seconds)s s (the extractor was busy)", seconds=f"{timeout_s:g}"
        )
    return _l("took longer than %(seconds)s s", seconds=f"{timeout_s:g}")


# --------------------------------------------------------------------------------------------
# Reading the stream


@contextlib.contextmanager
def _spooled(stream: BinaryIO, max_bytes: int, sink: _Sink) -> Iterator[tuple[IO[bytes], bool]]:
    """Copy at most ``max_bytes`` of a possibly unseekable stream into a seekable spool.

    Yields the spool (at position 0) and whether the stream had more than ``max_bytes``.
    """
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
        total = 0
        while total <= max_bytes:
            sink.check()
            chunk = stream.read(min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            spool.write(chunk)
            total += len(chunk)
        spool.seek(0)
        yield spool, total > max_bytes


def _read_text(stream: BinaryIO, max_bytes: int, sink: _Sink) -> bool:
    """Plain text and Markdown: UTF-8 (a BOM is dropped), undecodable bytes replaced.

    Returns whether the stream had more than ``max_bytes``.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    total = 0
    over = False
    while True:
        sink.check()
        chunk = stream.read(min(_CHUNK, max_bytes + 1 - total))
        total += len(chunk)
        if total > max_bytes:
            chunk, over = chunk[: len(chunk) - (total - max_bytes)], True
        final = over or not chunk
        # A prefix may end inside a character: that half is dropped rather than shown as "?".
        for index, piece in enumerate(decoder.decode(chunk, final and not over).split("\n")):
            if index:
                sink.line_break()
            sink.add(piece)
        if final:
            sink.paragraph()
            return over


# --------------------------------------------------------------------------------------------
# PDF


def _read_pdf(spool: IO[bytes], sink: _Sink) -> str | None:
    """Text of each page in order; pages are sections. Returns a problem, if any."""
    try:
        reader = pypdf.PdfReader(spool, strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many kinds of error on damaged files
        raise _Unreadable(_l("not a valid PDF file")) from exc
    if encrypted:
        # Many PDFs are encrypted only to restrict printing or editing, with an empty password
        # for opening: their text is there for anyone, so try that before giving up.
        try:
            opened = reader.decrypt("") != pypdf.PasswordType.NOT_DECRYPTED
        except Exception:  # e.g. AES without the cryptography package, or broken keys
            opened = False
        if not opened:
            raise _Unreadable(_l("the PDF is encrypted"))
    try:
        pages = reader.pages
        count = len(pages)
    except Exception as exc:
        raise _Unreadable(_l("not a valid PDF file")) from exc

    failed = 0
    found = False
    for index in range(count):
        sink.check()
        try:
            text = pages[index].extract_text()
        except Exception:  # one damaged page should not lose the others
            logger.info("PDF page %d could not be read", index + 1, exc_info=True)
            failed += 1
            continue
        for line in text.split("\n"):
            sink.add(line)
            sink.paragraph()
        found = found or bool(text.strip())
        sink.section()
    if count and failed == count:
        raise _Unreadable(_l("no page of the PDF could be read"))
    if failed:
        return _l(
            "%(failed)d of %(count)d pages of the PDF could not be read", failed=failed, count=count
        )
    if count and not found:
        return _l("the PDF has no text layer (it may be scanned images)")
    return None


# --------------------------------------------------------------------------------------------
# Zip packages and XML


# What zipfile raises on damaged archives (NotImplementedError: an unknown version or
# compression method; ValueError: offsets that point outside the file).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
)


class _Package:
    """A zip archive whose members are read with limits on what they may expand to."""

    def __init__(self, spool: IO[bytes], label: str, sink: _Sink) -> None:
        self.label = label
        self.sink = sink
        self.budget = MAX_PACKAGE_BYTES
        try:
            self.zip = zipfile.ZipFile(spool)
        except _ZIP_ERRORS as exc:
            raise _Unreadable(_l("not a valid %(kind)s file", kind=label)) from exc
        self.names = {info.filename for info in self.zip.infolist()}

    def chunks(self, name: str) -> Iterator[bytes]:
        """The member's bytes in chunks, refusing encrypted members and likely bombs."""
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise _Unreadable(
                _l("not a valid %(kind)s file (no %(part)s)", kind=self.label, part=name)
            ) from None
        if info.flag_bits & 0x1:
            raise _Unreadable(_l("the %(kind)s file is encrypted", kind=self.label))
        limit = min(MAX_MEMBER_BYTES, self.budget)
        bomb = _Unreadable(
            _l(
                "the %(kind)s file would expand to more than %(size)s "
                "(refused as a possible zip bomb)",
                kind=self.label,
                size=_size_in_words(limit),
            )
        )
        # The sizes in the directory can be checked before anything is inflated; counting
        # below covers a directory that lies.
        if info.file_size > limit or (
            info.file_size > RATIO_FREE_BYTES
            and info.file_size > MAX_RATIO * max(1, info.compress_size)
        ):
            raise bomb
        read = 0
        try:
            with self.zip.open(info) as member:
                while chunk := member.read(_CHUNK):
                    read += len(chunk)
                    if read > limit:
                        raise bomb
                    self.sink.check()
                    yield chunk
        except _ZIP_ERRORS as exc:
            raise _Unreadable(_l("not a valid %(kind)s file", kind=self.label)) from exc
        except RuntimeError as exc:  # zipfile's word for an encrypted member
            raise _Unreadable(_l("the %(kind)s file is encrypted", kind=self.label)) from exc
        finally:
            self.budget -= read


StartHandler = Callable[[str, dict[str, str]], None]
EndHandler = Callable[[str], None]
TextHandler = Callable[[str], None]


def _parse_xml(
    chunks: Iterable[bytes],
    label: str,
    start: StartHandler,
    end: EndHandler,
    text: TextHandler,
) -> None:
    """Stream XML through expat; element names are "namespace local", as expat gives them."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True

    def refuse(*_args: object) -> NoReturn:
        raise _Unreadable(
            _l("the %(kind)s file declares a DTD or entities, which are refused", kind=label)
        )

    # Refusing the declaration itself covers internal entities (billion laughs) and external
    # ones (file and network access) alike; the standard library alone would parse them.
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise _Unreadable(_l("not a valid %(kind)s file (damaged XML)", kind=label)) from exc


def _relationships(package: _Package, part: str) -> dict[str, tuple[str, str]]:
    """An OOXML part's relationships: id -> (type, member name), internal targets only."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    found: dict[str, tuple[str, str]] = {}
    if rels not in package.names:
        return found

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == f"{_NS_PKG_REL} Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), posixpath.normpath(path))

    _parse_xml(package.chunks(rels), package.label, start, lambda _tag: None, lambda _t: None)
    return found


def _main_part(package: _Package, default: str) -> str:
    for kind, target in _relationships(package, "").values():
        if kind.endswith(_OFFICE_DOCUMENT) and target in package.names:
            return target
    return default


def _ooxml_text(
    sink: _Sink, namespace: str, spaces: tuple[str, ...]
) -> tuple[StartHandler, EndHandler, TextHandler]:
    """The handlers that copy the visible text of an Office Open XML part into ``sink``: what
    its ``t`` elements hold, a space for each element named in ``spaces``, and the end of a
    paragraph at the end of each ``p`` (all of ``namespace``).

    Only ``t`` holds visible text: field codes (w:instrText) and deleted text (w:delText)
    are left out.
    """
    t, p = f"{namespace} t", f"{namespace} p"
    breaks = {f"{namespace} {name}" for name in spaces}
    inside_t = False

    def start(tag: str, _attrs: dict[str, str]) -> None:
        nonlocal inside_t
        if tag == t:
            inside_t = True
        elif tag in breaks:
            sink.add(" ")

    def end(tag: str) -> None:
        nonlocal inside_t
        if tag == t:
            inside_t = False
        elif tag == p:
            sink.paragraph()

    def text(data: str) -> None:
        if inside_t:
            sink.add(data)

    return start, end, text


def _read_docx(spool: IO[bytes], sink: _Sink) -> str | None:
    """Body text of a Word document, then footnotes and endnotes; paragraphs kept apart."""
    package = _Package(spool, "DOCX", sink)
    main = _main_part(package, "word/document.xml")
    if main not in package.names:
        raise _Unreadable(_l("not a valid DOCX file (no document part)"))
    handlers = _ooxml_text(sink, _NS_W, ("tab", "br", "cr"))
    folder = posixpath.dirname(main)
    for part in (main, f"{folder}/footnotes.xml", f"{folder}/endnotes.xml"):
        if part in package.names:
            _parse_xml(package.chunks(part), "DOCX", *handlers)
            sink.section()
    return None


def _slide_order(package: _Package, presentation: str) -> list[str]:
    """Slide parts in the order of the presentation's slide list."""
    rels = _relationships(package, presentation)
    ids: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == f"{_NS_P} sldId":
            ids.append(attrs.get(f"{_NS_R} id", ""))

    if presentation in package.names:
        _parse_xml(package.chunks(presentation), "PPTX", start, lambda _t: None, lambda _t: None)
    slides = [rels[i][1] for i in ids if i in rels and rels[i][1] in package.names]
    if slides:
        return slides
    # A package without a usable slide list: take slide1.xml, slide2.xml... by number.
    numbered = [
        (int(match.group(1)), name)
        for name in package.names
        if (match := re.fullmatch(r"ppt/slides/slide(\d+)\.xml", name))
    ]
    return [name for _number, name in sorted(numbered)]


def _read_pptx(spool: IO[bytes], sink: _Sink) -> str | None:
    """Text of each slide in presentation order; slides are sections."""
    package = _Package(spool, "PPTX", sink)
    handlers = _ooxml_text(sink, _NS_A, ("br",))
    slides = _slide_order(package, _main_part(package, "ppt/presentation.xml"))
    if not slides:
        raise _Unreadable(_l("not a valid PPTX file (no slides)"))
    for slide in slides:
        _parse_xml(package.chunks(slide), "PPTX", *handlers)
        sink.section()
    return None


def _read_odf(label: str) -> Callable[[IO[bytes], _Sink], str | None]:
    def read(spool: IO[bytes], sink: _Sink) -> str | None:
        """Text of an OpenDocument's body; paragraphs and headings kept apart, pages too."""
        package = _Package(spool, label, sink)
        body_depth = 0  # character data outside office:body (styles, fonts) is not text

        def start(tag: str, attrs: dict[str, str]) -> None:
            nonlocal body_depth
            if body_depth or tag == f"{_NS_OFFICE} body":
                body_depth += 1
            if tag in (f"{_NS_TEXT} s", f"{_NS_TEXT} tab", f"{_NS_TEXT} line-break"):
                sink.add(" ")

        def end(tag: str) -> None:
            nonlocal body_depth
            if body_depth:
                body_depth -= 1
            if tag in (f"{_NS_TEXT} p", f"{_NS_TEXT} h"):
                sink.paragraph()
            elif tag == f"{_NS_DRAW} page":
                sink.section()

        def text(data: str) -> None:
            if body_depth:
                sink.add(data)

        _parse_xml(package.chunks("content.xml"), label, start, end, text)
        return None

    return read


class _HtmlText(html.parser.HTMLParser):
    """Visible text of an HTML page: scripts and styles skipped, blocks on their own lines."""

    SKIP = frozenset({"script", "style", "template", "noscript"})
    BLOCKS = frozenset(
        {
            "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl",
            "dt", "figcaption", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
            "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "title",
            "tr", "ul",
        }
    )  # fmt: skip

    def __init__(self, sink: _Sink) -> None:
        super().__init__(convert_charrefs=True)
        self.sink = sink
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.sink.paragraph()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.sink.paragraph()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.sink.paragraph()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.sink.add(data)


def _read_html_zip(spool: IO[bytes], sink: _Sink) -> str | None:
    """Text of the HTML pages in a ZIP package (SCORM, Common Cartridge, a web site)."""
    package = _Package(spool, "ZIP", sink)
    pages = sorted(
        name
        for name in package.names
        if name.lower().endswith((".html", ".htm", ".xhtml")) and not name.startswith("__MACOSX/")
    )
    problem = None
    if len(pages) > MAX_HTML_MEMBERS:
        problem = _l(
            "only the first %(read)d of %(count)d HTML pages were read",
            read=MAX_HTML_MEMBERS,
            count=len(pages),
        )
        sink.cut = True
        pages = pages[:MAX_HTML_MEMBERS]
    for name in pages:
        parser = _HtmlText(sink)
        decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        for chunk in package.chunks(name):
            parser.feed(decoder.decode(chunk))
        parser.feed(decoder.decode(b"", True))
        parser.close()
        sink.section()
    return problem


_READERS: dict[str, Callable[[IO[bytes], _Sink], str | None]] = {
    PDF: _read_pdf,
    DOCX: _read_docx,
    PPTX: _read_pptx,
    ODT: _read_odf("ODT"),
    ODP: _read_odf("ODP"),
    ZIP: _read_html_zip,
}


# --------------------------------------------------------------------------------------------
# The entry point


def _extract(stream: BinaryIO, kind: str, sink: _Sink, max_bytes: int) -> ExtractedText:
    """The work of one extraction, in the worker thread."""
    problem: str | None = None
    try:
        if kind in (PLAIN, MARKDOWN):
            if _read_text(stream, max_bytes, sink):
                sink.cut = True
        else:
            with _spooled(stream, max_bytes, sink) as (spool, over):
                if over:
                    # Zip and PDF keep their directory at the end: a prefix cannot be read.
                    return ExtractedText(
                        "",
                        False,
                        _l(
                            "the file is larger than %(size)s; its text was not read",
                            size=_size_in_words(max_bytes),
                        ),
                    )
                problem = _READERS[kind](spool, sink)
    except _Enough:
        pass
    except _Unreadable as exc:
        return ExtractedText("", False, exc.args[0])
    text = sink.text()
    return ExtractedText(text, not sink.cut and problem is None, problem)


_slots = threading.BoundedSemaphore(WORKERS)


def extract_text(
    stream: BinaryIO,
    media_type: str,
    *,
    max_bytes: int = 50 * 1024 * 1024,
    max_chars: int = 200_000,
    timeout_s: float = 10.0,
) -> ExtractedText:
    """The searchable text of a file, read within limits of size and time; never raises.

    ``stream`` may be unseekable; it is read from its current position, at most ``max_bytes``
    bytes. ``media_type`` is the sniffed type (parameters such as ``; charset=`` are ignored):
    PDF, DOCX, PPTX, ODT, ODP, plain text, Markdown, and ZIP packages (their HTML pages).
    Other types give empty text without a problem. At most ``max_chars`` characters are
    returned, with whitespace normalised: one line per paragraph, a blank line between pages
    or slides. After ``timeout_s`` seconds the text found so far is returned with a problem.
    """
    kind = media_type.split(";", 1)[0].strip().lower()
    if kind not in SUPPORTED:
        return ExtractedText("", True, None)
    deadline = time.monotonic() + timeout_s
    sink = _Sink(max_chars, deadline)
    if not _slots.acquire(timeout=max(0.0, timeout_s)):
        return ExtractedText("", False, _timeout_in_words(timeout_s, busy=True))
    result: Future[ExtractedText] = Future()

    def work() -> None:
        try:
            result.set_result(_extract(stream, kind, sink, max_bytes))
        except BaseException as exc:  # handed to the waiting thread, which decides
            result.set_exception(exc)
        finally:
            _slots.release()

    # A daemon thread rather than an executor's: a runaway parse must not hold up the
    # interpreter's exit, which executors wait for.
    threading.Thread(target=work, name="hub-extract-text", daemon=True).start()
    try:
        return result.result(timeout=max(0.0, deadline - time.monotonic()))
    except (TimeoutError, _TimeUp):
        sink.cancelled = True  # the worker stops at its next check
        return ExtractedText(sink.text(), False, _timeout_in_words(timeout_s))
    except Exception:
        # A bug here, or a library failing in a way not foreseen: publishing goes on.
        logger.exception("text extraction failed for a %s file", kind)
        return ExtractedText("", False, "the text could not be read")
