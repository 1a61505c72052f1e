"""The demo's sample files are real files: sniffed as their type, opened by real readers."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from xml.etree import ElementTree

import filetype
import pypdf
import pytest

from hub.services import sample_files

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _pdf_text(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
    return [page.extract_text() for page in reader.pages]


def test_pdf_is_sniffed_and_its_text_extracted() -> None:
    data = sample_files.pdf_document("The cardiac cycle", ["Systole and diastole.", "Murmurs."])

    assert filetype.guess(data).mime == "application/pdf"
    text = _pdf_text(data)
    assert len(text) == 1
    assert "The cardiac cycle" in text[0]
    assert "Systole and diastole." in text[0]
    assert "Murmurs." in text[0]


def test_pdf_xref_offsets_point_at_their_objects() -> None:
    data = sample_files.pdf_document("Offsets", ["One", "Two"], pages=2)

    xref_at = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", data).group(1))  # type: ignore[union-attr]
    assert data[xref_at : xref_at + 4] == b"xref"
    header = re.match(rb"xref\n0 (\d+)\n", data[xref_at:])
    assert header is not None
    entries = data[xref_at + header.end() :].split(b"trailer")[0]
    assert len(entries) == 20 * int(header.group(1))
    for number in range(1, int(header.group(1))):
        offset = int(entries[20 * number : 20 * number + 10])
        assert data[offset:].startswith(b"%d 0 obj\n" % number)


def test_pdf_pages_and_overflow() -> None:
    three = sample_files.pdf_document("Pages", [f"Paragraph {i}" for i in range(6)], pages=3)
    texts = _pdf_text(three)
    assert len(texts) == 3
    assert "Paragraph 0" in texts[0] and "Paragraph 5" in texts[2]

    # Text that does not fit on one page flows onto more pages, none of it lost.
    long = sample_files.pdf_document("Long", ["word " * 400] * 5)
    texts = _pdf_text(long)
    assert len(texts) > 1
    assert sum(t.count("word") for t in texts) == 2000


def test_pdf_escapes_and_encodings() -> None:
    title = r"Fisiología (cardíaca) \ ação"
    data = sample_files.pdf_document(title, ["Việt Nam, Đà Nẵng", "مرحبا", "Ünïcode € ñ ç"])

    text = _pdf_text(data)[0]
    assert title in text
    assert "Viet Nam, Dà Nang" in text  # the nearest Latin letters where WinAnsi has none
    assert "?????" in text  # no WinAnsi glyphs for Arabic
    assert "Ünïcode € ñ ç" in text
    metadata = pypdf.PdfReader(io.BytesIO(data)).metadata
    assert metadata is not None and metadata.title == title


def test_pdf_is_deterministic_and_refuses_no_pages() -> None:
    assert sample_files.pdf_document("A", ["b"]) == sample_files.pdf_document("A", ["b"])
    with pytest.raises(ValueError):
        sample_files.pdf_document("A", ["b"], pages=0)


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks.append((kind, body))
        at += 12 + length
    return chunks


def test_png_header_and_pixels() -> None:
    data = sample_files.png_image(320, 180, seed=7, label="Fig. 2: ECG lead II")

    assert filetype.guess(data).mime == "image/png"
    chunks = _png_chunks(data)
    assert chunks[0][0] == b"IHDR"
    assert struct.unpack(">IIBBBBB", chunks[0][1]) == (320, 180, 8, 2, 0, 0, 0)
    assert chunks[-1] == (b"IEND", b"")
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(pixels) == 180 * (1 + 3 * 320)
    titles = [body for kind, body in chunks if kind == b"iTXt"]
    assert titles == [b"Title\x00\x00\x00\x00\x00Fig. 2: ECG lead II"]
    assert len(data) < 60_000


def test_png_depends_on_seed_only() -> None:
    assert sample_files.png_image(64, 36, seed=1) == sample_files.png_image(64, 36, seed=1)
    assert sample_files.png_image(64, 36, seed=1) != sample_files.png_image(64, 36, seed=2)
    tiny = sample_files.png_image(3, 2, label="Too long for the width")
    assert struct.unpack(">II", _png_chunks(tiny)[0][1][:8]) == (3, 2)
    with pytest.raises(ValueError):
        sample_files.png_image(0, 10)


def test_markdown_note() -> None:
    data = sample_files.markdown_note("Hypertension  in primary care", ["First.", "Second."])
    assert data.decode("utf-8") == "# Hypertension in primary care\n\nFirst.\n\nSecond.\n"


def _check_package(data: bytes) -> zipfile.ZipFile:
    """Every XML part parses, every relationship target and content-type override exists."""
    package = zipfile.ZipFile(io.BytesIO(data))
    assert package.testzip() is None
    names = set(package.namelist())
    assert package.namelist()[0] == "[Content_Types].xml"
    for name in names:
        ElementTree.fromstring(package.read(name))
    types = ElementTree.fromstring(package.read("[Content_Types].xml"))
    for override in types:
        if override.tag.endswith("Override"):
            assert override.attrib["PartName"].lstrip("/") in names
    for rels in (n for n in names if n.endswith(".rels")):
        folder = rels.rsplit("_rels/", 1)[0]
        for rel in ElementTree.fromstring(package.read(rels)):
            resolved = _normalise(folder + rel.attrib["Target"])
            assert resolved in names, resolved
    return package


def _normalise(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def test_docx_is_sniffed_and_holds_the_text() -> None:
    data = sample_files.docx_document("Título <b>&", ["Primer párrafo.", "Second\x01 one."])

    assert filetype.guess(data).mime == DOCX
    package = _check_package(data)
    document = package.read("word/document.xml").decode("utf-8")
    assert "Título &lt;b&gt;&amp;" in document
    assert "Second one." in document  # a control character XML cannot hold is dropped
    assert sample_files.docx_document("A", ["b"]) == sample_files.docx_document("A", ["b"])


def test_pptx_is_sniffed_and_has_its_slides() -> None:
    data = sample_files.pptx_presentation("Renal physiology", ["Nephron\nGlomerulus", "Loop"])

    assert filetype.guess(data).mime == PPTX
    package = _check_package(data)
    slides = sorted(n for n in package.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n))
    assert slides == ["ppt/slides/slide1.xml", "ppt/slides/slide2.xml", "ppt/slides/slide3.xml"]
    assert b"Renal physiology" in package.read("ppt/slides/slide1.xml")
    assert b"Glomerulus" in package.read("ppt/slides/slide2.xml")
