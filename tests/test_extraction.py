"""Text extraction for search: finds the words, refuses hostile files, never raises."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from typing import Any

import pypdf
import pytest

from hub.services import extraction, sample_files
from hub.services.extraction import ExtractedText, extract_text

DOCX = extraction.DOCX
PPTX = extraction.PPTX
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


class Unseekable(io.RawIOBase):
    """A stream that can only be read forwards, like a network download."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(min(len(buffer), 1000))  # short reads, as sockets give
        buffer[: len(chunk)] = chunk
        return len(chunk)


def extract(data: bytes, media_type: str, **limits: Any) -> ExtractedText:
    return extract_text(io.BytesIO(data), media_type, **limits)


def zip_of(members: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return buffer.getvalue()


def docx_with_body(xml: bytes) -> bytes:
    original = zipfile.ZipFile(io.BytesIO(sample_files.docx_document("T", [])))
    return zip_of(
        [
            (name, xml if name == "word/document.xml" else original.read(name))
            for name in original.namelist()
        ]
    )


# --- each kind of file -------------------------------------------------------------------------


def test_pdf_pages_in_order() -> None:
    data = sample_files.pdf_document(
        "Fisiología cardíaca", ["Systole comes first.", "Diastole follows."], pages=2
    )

    result = extract_text(Unseekable(data), "application/pdf")  # type: ignore[arg-type]

    assert result.problem is None and result.complete
    assert result.text.startswith("Fisiología cardíaca\nSystole comes first.")
    assert result.text.index("Systole") < result.text.index("Diastole")
    assert "\n\n" in result.text  # a blank line between pages
    assert "  " not in result.text


def test_docx() -> None:
    data = sample_files.docx_document("Asthma in children", ["Wheeze &  cough.", "Inhalers."])

    result = extract(data, DOCX)

    assert result == ExtractedText("Asthma in children\nWheeze & cough.\nInhalers.", True, None)


def test_docx_follows_the_main_part_relationship_and_leaves_out_field_codes() -> None:
    body = (
        f"<w:document {W}><w:body><w:p><w:r><w:t>Seen</w:t></w:r>"
        "<w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:delText>gone</w:delText></w:r>"
        "<w:r><w:t>too</w:t><w:tab/><w:t>tabbed</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    rels = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/officeDocument" Target="/word/main2.xml"/></Relationships>'
    )
    data = zip_of(
        [("[Content_Types].xml", b"<Types/>"), ("_rels/.rels", rels), ("word/main2.xml", body)]
    )

    assert extract(data, DOCX).text == "Seentoo tabbed"


def test_pptx_slides_in_presentation_order() -> None:
    data = sample_files.pptx_presentation(
        "Renal physiology", ["The nephron\nGlomerular filtration", "Loop of Henle\nCountercurrent"]
    )

    result = extract(data, PPTX)

    assert result.problem is None and result.complete
    assert result.text == (
        "Renal physiology\n\nThe nephron\nGlomerular filtration\n\nLoop of Henle\nCountercurrent"
    )


def test_pptx_slide_order_comes_from_the_slide_list_not_the_file_names() -> None:
    original = zipfile.ZipFile(io.BytesIO(sample_files.pptx_presentation("First", ["Second"])))
    presentation = original.read("ppt/presentation.xml")
    swapped = (
        presentation.replace(b'r:id="rId3"', b'r:id="X"')
        .replace(b'r:id="rId4"', b'r:id="rId3"')
        .replace(b'r:id="X"', b'r:id="rId4"')
    )
    data = zip_of(
        [
            (name, swapped if name == "ppt/presentation.xml" else original.read(name))
            for name in original.namelist()
        ]
    )

    assert extract(data, PPTX).text == "Second\n\nFirst"


def _odf(mime: str, body: str) -> bytes:
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0">'
        "<office:font-face-decls>Not text</office:font-face-decls>"
        f"<office:body>{body}</office:body></office:document-content>"
    )
    return zip_of(
        [("mimetype", mime.encode()), ("content.xml", content.encode())], stored_first=True
    )


def test_odt_and_odp() -> None:
    odt = _odf(
        extraction.ODT,
        "<office:text><text:h>Malaria</text:h><text:p>Fever<text:s/>and<text:tab/>chills"
        "<text:line-break/>at night.</text:p></office:text>",
    )
    odp = _odf(
        extraction.ODP,
        "<office:presentation><draw:page><draw:frame><draw:text-box><text:p>Slide one</text:p>"
        "</draw:text-box></draw:frame></draw:page><draw:page><draw:frame><draw:text-box>"
        "<text:p>Slide two</text:p></draw:text-box></draw:frame></draw:page></office:presentation>",
    )

    assert extract(odt, extraction.ODT).text == "Malaria\nFever and chills at night."
    assert extract(odp, extraction.ODP).text == "Slide one\n\nSlide two"


def test_plain_text_and_markdown() -> None:
    note = sample_files.markdown_note("Dengue", ["Aedes  mosquitoes.", "Fluids."])
    assert extract(note, "text/markdown").text == "# Dengue\n\nAedes mosquitoes.\n\nFluids."

    raw = "\ufeffLine one\r\nLine\ttwo \xff\x00end\n\n\n\nAfter gap".encode("utf-8") + b"\xff"
    result = extract(raw, "text/plain; charset=utf-8")
    assert result.text == "Line one\nLine two \xff end\n\nAfter gap\ufffd"
    assert result.complete


def test_html_in_a_zip_package() -> None:
    page = (
        "<html><head><title>Sepsis module</title><style>p { color: red }</style>"
        "<script>var secret = 'hidden';</script></head><body><h1>Early&nbsp;signs</h1>"
        "<p>Fever &amp; tachycardia.<br>Hypotension.</p><noscript>Enable JS</noscript>"
        "</body></html>"
    )
    data = zip_of(
        [
            ("imsmanifest.xml", b"<manifest/>"),
            ("b/page.htm", b"<p>Second page</p>"),
            ("a/index.html", page.encode()),
            ("script.js", b"var notText = 1;"),
        ]
    )

    result = extract(data, "application/zip")

    assert result.text == (
        "Sepsis module\nEarly signs\nFever & tachycardia.\nHypotension.\n\nSecond page"
    )
    assert "hidden" not in result.text and "color" not in result.text
    assert "notText" not in result.text and "Enable JS" not in result.text


def test_unknown_types_give_empty_text_without_a_problem() -> None:
    png = sample_files.png_image(16, 16)
    assert extract(png, "image/png") == ExtractedText("", True, None)
    assert extract(b"\x00\x01", "application/octet-stream") == ExtractedText("", True, None)


# --- damaged and hostile files -----------------------------------------------------------------


def test_encrypted_pdf_is_a_problem_not_an_exception() -> None:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(sample_files.pdf_document("Secret", ["x"])))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)

    assert extract(locked.getvalue(), "application/pdf") == ExtractedText(
        "", False, "the PDF is encrypted"
    )


def test_pdf_encrypted_only_against_editing_is_read() -> None:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(sample_files.pdf_document("Open", ["Free"])))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)

    result = extract(locked.getvalue(), "application/pdf")

    assert result.problem is None
    assert "Open" in result.text and "Free" in result.text


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a PDF at all",
        b"%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%%EOF",
        sample_files.pdf_document("Cut short", ["text"])[:300],
    ],
    ids=["empty", "garbage", "no-pages", "truncated"],
)
def test_damaged_pdfs_are_problems(data: bytes) -> None:
    result = extract(data, "application/pdf")

    assert result.text == "" and not result.complete
    assert result.problem


def test_truncated_pdf_never_raises() -> None:
    whole = sample_files.pdf_document("Truncated", ["Some words"] * 40, pages=3)
    for cut in range(0, len(whole), len(whole) // 12):
        result = extract(whole[:cut], "application/pdf")
        assert result.problem is not None or "Truncated" in result.text


def test_pdf_without_text_layer_says_so() -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)  # as a scanned page is, to a text extractor
    blank = io.BytesIO()
    writer.write(blank)

    result = extract(blank.getvalue(), "application/pdf")

    assert result.text == ""
    assert result.problem is not None and "no text layer" in result.problem


@pytest.mark.parametrize("media_type", [DOCX, PPTX, extraction.ODT, "application/zip"])
def test_not_a_zip(media_type: str) -> None:
    result = extract(b"PK\x03\x04 but not really a zip", media_type)

    assert result.text == "" and not result.complete
    assert result.problem is not None and result.problem.startswith("not a valid")


def test_docx_without_document_part() -> None:
    result = extract(zip_of([("[Content_Types].xml", b"<Types/>")]), DOCX)

    assert result.problem == "not a valid DOCX file (no document part)"


def test_docx_with_damaged_xml() -> None:
    result = extract(docx_with_body(f"<w:document {W}><w:body><w:p>".encode()), DOCX)

    assert result == ExtractedText("", False, "not a valid DOCX file (damaged XML)")


def test_zip_bomb_is_refused_before_inflating() -> None:
    huge = f"<w:document {W}><w:body><w:p><w:r><w:t>".encode() + b"a" * (20 * 1024 * 1024)
    data = docx_with_body(huge + b"</w:t></w:r></w:p></w:body></w:document>")
    assert len(data) < 200_000

    started = time.monotonic()
    result = extract(data, DOCX)

    assert time.monotonic() - started < 1
    assert result.text == "" and not result.complete
    assert result.problem is not None and "zip bomb" in result.problem


def test_member_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extraction, "MAX_MEMBER_BYTES", 1000)
    body = f"<w:document {W}><w:body>".encode()
    body += b"".join(b"<w:p><w:r><w:t>word %d</w:t></w:r></w:p>" % i for i in range(100))
    data = docx_with_body(body + b"</w:body></w:document>")

    result = extract(data, DOCX)

    assert result.problem == (
        "the DOCX file would expand to more than 1000 bytes (refused as a possible zip bomb)"
    )


@pytest.mark.parametrize(
    "prologue",
    [
        b'<!DOCTYPE w:document [<!ENTITY lol "lol">]>',
        b'<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>',
        b'<!DOCTYPE w:document SYSTEM "file:///etc/passwd">',
        b'<!DOCTYPE w:document [<!ENTITY x SYSTEM "http://example.invalid/x">]>',
    ],
    ids=["entity", "billion-laughs", "external-dtd", "external-entity"],
)
def test_docx_with_a_dtd_is_refused(prologue: bytes) -> None:
    body = f"<w:document {W}><w:body><w:p><w:r><w:t>&lol;</w:t></w:r></w:p></w:body>"
    data = docx_with_body(prologue + body.encode() + b"</w:document>")

    result = extract(data, DOCX)

    assert result == ExtractedText(
        "", False, "the DOCX file declares a DTD or entities, which are refused"
    )


def test_encrypted_zip_member() -> None:
    data = bytearray(zip_of([("a.html", b"<p>x</p>")]))
    data[6] |= 1  # the "encrypted" flag, in the local header...
    central = data.rindex(b"PK\x01\x02")
    data[central + 8] |= 1  # ...and in the central directory

    assert extract(bytes(data), "application/zip").problem == "the ZIP file is encrypted"


# --- limits ------------------------------------------------------------------------------------


def test_max_chars_cuts_at_a_word() -> None:
    data = sample_files.pdf_document("Limits", ["alpha beta gamma delta " * 200], pages=2)

    result = extract(data, "application/pdf", max_chars=100)

    assert not result.complete and result.problem is None
    assert 50 <= len(result.text) <= 100
    assert result.text.split()[-1] in {"alpha", "beta", "gamma", "delta"}


def test_text_of_exactly_max_chars_is_complete() -> None:
    assert extract(b"abc\ndef", "text/plain", max_chars=7) == ExtractedText("abc\ndef", True, None)
    assert extract(b"abc\ndefg", "text/plain", max_chars=7) == ExtractedText("abc", False, None)


def test_max_chars_on_a_text_without_line_breaks() -> None:
    result = extract(b"word " * 100_000, "text/plain", max_chars=1000)

    assert not result.complete
    assert len(result.text) <= 1000 and result.text.endswith("word")


def test_max_bytes_on_text_reads_a_prefix() -> None:
    data = "Ångström ".encode() * 100  # 11 bytes a word

    assert extract(data, "text/plain", max_bytes=25).text == "Ångström Ångström Ån"
    result = extract(data, "text/plain", max_bytes=23)  # ends inside the next "Å"
    assert not result.complete and result.problem is None
    assert result.text == "Ångström Ångström"


def test_max_bytes_on_a_pdf_reads_nothing() -> None:
    data = sample_files.pdf_document("Big", ["text"])

    result = extract(data, "application/pdf", max_bytes=1024)

    assert result == ExtractedText("", False, "the file is larger than 1 KB; its text was not read")


def test_stream_is_read_no_further_than_max_bytes() -> None:
    stream = io.BytesIO(b"x" * 10_000)
    extract_text(stream, "application/pdf", max_bytes=100)
    assert stream.tell() <= 101


def test_no_time_at_all() -> None:
    data = sample_files.pdf_document("Slow", ["text"])

    result = extract(data, "application/pdf", timeout_s=0)

    assert result == ExtractedText("", False, "took longer than 0 s")


def test_a_hanging_parser_is_abandoned(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def hanging_reader(*_args: Any, **_kwargs: Any) -> None:
        release.wait(5)  # a pathological PDF, stuck inside the library
        raise pypdf.errors.PdfReadError("gave up")

    monkeypatch.setattr(extraction.pypdf, "PdfReader", hanging_reader)
    try:
        started = time.monotonic()
        result = extract(sample_files.pdf_document("x", []), "application/pdf", timeout_s=0.2)
        assert time.monotonic() - started < 1
        assert result == ExtractedText("", False, "took longer than 0.2 s")
    finally:
        release.set()


def test_timeout_keeps_the_text_found_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pypdf.PageObject.extract_text
    release = threading.Event()

    def slow_after_first_page(page: pypdf.PageObject, *args: Any, **kwargs: Any) -> str:
        text: str = real(page, *args, **kwargs)
        if "Second" in text:
            release.wait(5)
        return text

    monkeypatch.setattr(pypdf.PageObject, "extract_text", slow_after_first_page)
    data = sample_files.pdf_document("Partial", ["First page.", "Second page."], pages=2)
    try:
        result = extract(data, "application/pdf", timeout_s=0.3)
    finally:
        release.set()

    assert not result.complete and result.problem == "took longer than 0.3 s"
    assert result.text.startswith("Partial\nFirst page.")
    assert "Second" not in result.text


def test_unforeseen_failures_are_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: Any) -> None:
        raise AssertionError("a bug")

    monkeypatch.setitem(extraction._READERS, DOCX, broken)

    result = extract(sample_files.docx_document("x", []), DOCX)

    assert result == ExtractedText("", False, "the text could not be read")
    assert "text extraction failed" in caplog.text
