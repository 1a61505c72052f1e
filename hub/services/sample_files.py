"""Small real files for the demo consortium and the tests: PDF, PNG, Markdown, DOCX, PPTX.

Everything here is written by hand with the standard library, so that demo data and tests need
no office suite or imaging library. The output is deterministic (no clocks, no random state
outside the seed), so the same arguments always give the same bytes and the content store
deduplicates them.

Limits, on purpose:
- PDFs use the standard Helvetica fonts with WinAnsiEncoding (Windows-1252), which every PDF
  reader has without embedding a font. Text outside that encoding is written as the nearest
  Latin letter where one exists (Vietnamese "Việt" becomes "Viet", "đ" becomes "d") and as "?"
  otherwise (Arabic, Chinese, Cyrillic...). Latin accents such as é, ç, ã, ñ, ü survive.
  The document title is also stored in full Unicode in the PDF's metadata.
- PNG labels are drawn with a built-in 5x7 capitals font (A-Z, 0-9, a little punctuation);
  the label is also stored in full as the image's "Title" text chunk.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import random
import struct
import textwrap
import unicodedata
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

__all__ = [
    "docx_document",
    "lecture_video",
    "markdown_note",
    "pdf_document",
    "png_image",
    "pptx_presentation",
]

# --------------------------------------------------------------------------------------------
# PDF

_PAGE_WIDTH, _PAGE_HEIGHT = 595, 842  # A4 in points
_MARGIN = 60
_BODY_SIZE, _BODY_LEADING, _BODY_WRAP = 12, 16, 74  # about 74 Helvetica characters per line
_TITLE_SIZE, _TITLE_LEADING, _TITLE_WRAP = 18, 22, 44
_TOP = _PAGE_HEIGHT - 80
_BOTTOM = 70

# Letters that Unicode does not decompose into a base letter and a mark, but that have an
# obvious Latin fallback.
_LATIN_FALLBACK = {"đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H", "ł": "l", "Ł": "L", "ı": "i"}


def _winansi(text: str) -> bytes:
    """Encode text for a WinAnsi (cp1252) PDF font, approximating what it cannot hold."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch < " " or ch == "\x7f":
            out += b" "  # control characters have no glyph; a line break inside Tj is wrong
            continue
        try:
            out += ch.encode("cp1252")
            continue
        except UnicodeEncodeError:
            pass
        base = _LATIN_FALLBACK.get(ch) or "".join(
            c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
        )
        try:
            out += base.encode("cp1252") if base else b"?"
        except UnicodeEncodeError:
            out += b"?"
    return bytes(out)


def _pdf_literal(raw: bytes) -> bytes:
    """A PDF literal string: parentheses and backslashes escaped."""
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf_text_string(text: str) -> bytes:
    """A PDF text string for metadata: plain ASCII as is, anything else as UTF-16BE."""
    if text.isascii() and text.isprintable():
        return _pdf_literal(text.encode("ascii"))
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), width=width, break_long_words=True) or [""]


def _layout(title: str, paragraphs: list[str], pages: int) -> list[list[tuple[str, str]]]:
    """Lines of each page as (style, text); style is "title", "body" or "gap"."""
    per_page = max(1, math.ceil(len(paragraphs) / pages)) if paragraphs else 1
    groups = [paragraphs[i * per_page : (i + 1) * per_page] for i in range(pages)]
    laid: list[list[tuple[str, str]]] = []
    for number, group in enumerate(groups):
        page: list[tuple[str, str]] = []
        y = _TOP
        if number == 0:
            for line in _wrap(title, _TITLE_WRAP):
                page.append(("title", line))
                y -= _TITLE_LEADING
            page.append(("gap", ""))
            y -= _BODY_LEADING
        for paragraph in group:
            for line in _wrap(paragraph, _BODY_WRAP):
                if y < _BOTTOM:  # text that does not fit flows onto an extra page
                    laid.append(page)
                    page, y = [], _TOP
                page.append(("body", line))
                y -= _BODY_LEADING
            page.append(("gap", ""))
            y -= _BODY_LEADING
        laid.append(page)
    return laid


def _page_content(lines: list[tuple[str, str]], footer: str) -> bytes:
    out = [
        # A coloured band across the top, so that previews look like a designed handout.
        b"q 0.16 0.38 0.62 rg 0 %d %d 24 re f Q" % (_PAGE_HEIGHT - 24, _PAGE_WIDTH),
        b"BT",
        b"%d %d Td" % (_MARGIN, _TOP),
    ]
    font = ""
    for style, text in lines:
        if style == "gap":
            out.append(b"0 -%d Td" % _BODY_LEADING)
            continue
        if style != font:
            font = style
            if style == "title":
                out.append(b"/F2 %d Tf %d TL" % (_TITLE_SIZE, _TITLE_LEADING))
            else:
                out.append(b"/F1 %d Tf %d TL" % (_BODY_SIZE, _BODY_LEADING))
        out.append(_pdf_literal(_winansi(text)) + b" Tj T*")
    out.append(b"ET")
    out.append(b"BT /F1 9 Tf %d 40 Td " % _MARGIN + _pdf_literal(_winansi(footer)) + b" Tj ET")
    return b"\n".join(out) + b"\n"


def pdf_document(title: str, paragraphs: list[str], *, pages: int = 1) -> bytes:
    """A valid PDF 1.4 with the title on the first page and the paragraphs spread over pages.

    The paragraphs are split evenly over ``pages`` pages; a page whose text does not fit flows
    onto an extra page, so the document has at least ``pages`` pages. Text is drawn in
    Helvetica with WinAnsiEncoding: see the module docstring for characters outside it.
    """
    if pages < 1:
        raise ValueError("a PDF needs at least one page")
    laid = _layout(title, paragraphs, pages)
    count = len(laid)
    short_title = title if len(title) <= 60 else title[:57] + "..."

    # Objects 1-4 are fixed; each page then takes two numbers: the page and its content stream.
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [ "
        + b" ".join(b"%d 0 R" % (6 + 2 * i) for i in range(count))
        + b" ] /Count %d >>" % count,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _pdf_text_string(title) + b" /Producer (Consortium hub sample files) >>",
    ]
    for index, lines in enumerate(laid):
        content = _page_content(lines, f"{short_title} \u2013 page {index + 1} of {count}")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d]" % (_PAGE_WIDTH, _PAGE_HEIGHT)
            + b" /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>"
            % (7 + 2 * index)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream")

    # The comment of high bytes after the header tells transfer tools the file is binary.
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"  # every entry is exactly 20 bytes, end of line included
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    file_id = hashlib.sha256(bytes(out)).hexdigest()[:32].upper().encode("ascii")
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R /ID [<%s> <%s>] >>\n" % (
        len(objects) + 1,
        file_id,
        file_id,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


# --------------------------------------------------------------------------------------------
# PNG

# A 5x7 bitmap font: seven rows per glyph, each a 5-bit row pattern (bit 4 is the left pixel).
_FONT_HEX = {
    "A": "0E11111F111111", "B": "1E11111E11111E", "C": "0E11101010110E", "D": "1C12111111121C",
    "E": "1F10101E10101F", "F": "1F10101E101010", "G": "0E11101711110F", "H": "1111111F111111",
    "I": "0E04040404040E", "J": "0702020202120C", "K": "11121418141211", "L": "1010101010101F",
    "M": "111B1515111111", "N": "11111915131111", "O": "0E11111111110E", "P": "1E11111E101010",
    "Q": "0E11111115120D", "R": "1E11111E141211", "S": "0F10100E01011E", "T": "1F040404040404",
    "U": "1111111111110E", "V": "11111111110A04",
    "W": "1111111515150A", "X": "11110A040A1111", "Y": "1111110A040404", "Z": "1F01020408101F",
    "0": "0E11131519110E",
    "1": "040C040404040E", "2": "0E11010204081F", "3": "1F02040201110E", "4": "02060A121F0202",
    "5": "1F101E0101110E", "6": "0608101E11110E", "7": "1F010204080808", "8": "0E11110E11110E",
    "9": "0E11110F01020C", " ": "00000000000000", ".": "00000000000C0C", ",": "000000000C0408",
    "-": "0000001F000000", ":": "000C0C000C0C00", "/": "00010204081000", "?": "0E110102040004",
    "!": "04040404040004", "(": "02040808080402", ")": "08040202020408", "'": "0C040800000000",
    "+": "0004041F040400", "&": "0C12140815120D",
    "#": "0A0A1F0A1F0A0A", "%": "18190204081303", "=": "00001F001F0000", "_": "0000000000001F",
}  # fmt: skip
_FONT = {ch: bytes.fromhex(rows) for ch, rows in _FONT_HEX.items()}
_MAX_SIDE = 4096


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _glyph_text(label: str) -> str:
    """The label in the characters the bitmap font has (capitals, unaccented, else '?')."""
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c)
    ).upper()
    return "".join(c if c in _FONT else "?" for c in plain)


def _draw_label(rows: list[bytearray], width: int, height: int, label: str) -> None:
    text = _glyph_text(" ".join(label.split()))
    pad = max(2, width // 40)
    text = text[: max(0, (width - 2 * pad) // 6)]
    if not text:
        return
    # As large as fits in the width and a third of the height.
    scale = max(1, min((width - 2 * pad) // (6 * len(text)), height // (3 * 9)))
    text_w, text_h = (6 * len(text) - 1) * scale, 7 * scale
    x0, y0 = pad + scale, height - pad - scale - text_h
    if y0 < scale:
        return
    # A darkened band behind the text keeps it legible on any gradient.
    darken = bytes(v * 2 // 5 for v in range(256))
    for y in range(y0 - scale, min(height, y0 + text_h + scale)):
        row = rows[y]
        row[(x0 - scale) * 3 : (x0 + text_w + scale) * 3] = row[
            (x0 - scale) * 3 : (x0 + text_w + scale) * 3
        ].translate(darken)
    white = b"\xff" * (3 * scale)
    for index, ch in enumerate(text):
        gx = x0 + index * 6 * scale
        for ry, bits in enumerate(_FONT[ch]):
            for rx in range(5):
                if bits & (0x10 >> rx):
                    px = (gx + rx * scale) * 3
                    for dy in range(scale):
                        rows[y0 + ry * scale + dy][px : px + 3 * scale] = white


def png_image(width: int, height: int, *, seed: int = 0, label: str = "") -> bytes:
    """A valid 8-bit RGB PNG: a soft two-colour gradient with gentle waves chosen by ``seed``.

    A non-empty ``label`` is drawn in the lower left corner (see the module docstring for the
    characters) and stored in full as the image's "Title" (an iTXt chunk, UTF-8). Sizes up to
    320x180 take a few milliseconds.
    """
    if not (0 < width <= _MAX_SIDE and 0 < height <= _MAX_SIDE):
        raise ValueError(f"width and height must be between 1 and {_MAX_SIDE}")
    rng = random.Random(seed)  # a seeded generator: the same seed gives the same picture
    hue = rng.random()
    first = colorsys.hls_to_rgb(hue, 0.62, 0.55)
    second = colorsys.hls_to_rgb((hue + 0.18 + rng.random() * 0.2) % 1.0, 0.45, 0.6)
    wave_x = rng.uniform(0.5, 2.5) * 2 * math.pi / width
    wave_y = rng.uniform(0.5, 2.0) * 2 * math.pi / height
    amplitude = width * rng.uniform(0.03, 0.08)
    phase = rng.uniform(0, 2 * math.pi)

    # One gradient row, then every row is a shifted and shaded copy of it: bytes.translate and
    # slicing run in C, so even large images take milliseconds rather than a pixel loop.
    base = bytearray()
    for x in range(width):
        t = x / max(1, width - 1)
        ripple = 0.06 * math.sin(x * wave_x + phase)
        for a, b in zip(first, second, strict=True):
            base.append(max(0, min(255, round(255 * ((a + (b - a) * t) + ripple)))))
    # Edge pixels repeated on both sides, so that shifted rows never wrap round.
    reach = math.ceil(amplitude)
    padded = bytes(base[:3] * reach + base + base[-3:] * reach)
    shades: dict[int, bytes] = {}
    rows: list[bytearray] = []
    for y in range(height):
        shift = (reach + round(amplitude * math.sin(y * wave_y + phase))) * 3
        level = round(24 * y / max(1, height - 1))  # darker towards the bottom, 25 shades
        if level not in shades:
            factor = 1.0 - level / 24 * 0.3
            shades[level] = bytes(round(v * factor) for v in range(256))
        rows.append(bytearray(padded[shift : shift + 3 * width].translate(shades[level])))
    if label:
        _draw_label(rows, width, height, label)

    raw = b"".join(b"\x00" + bytes(row) for row in rows)  # filter type 0 (None) on each row
    chunks = [
        _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
        _chunk(b"IDAT", zlib.compress(raw, 9)),
    ]
    if label:
        chunks.append(_chunk(b"iTXt", b"Title\x00\x00\x00\x00\x00" + label.encode("utf-8")))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks) + _chunk(b"IEND", b"")


# --------------------------------------------------------------------------------------------
# Markdown


def markdown_note(title: str, paragraphs: list[str]) -> bytes:
    """A UTF-8 Markdown note: the title as a level-one heading, then the paragraphs."""
    parts = [f"# {' '.join(title.split())}", *(p.strip() for p in paragraphs)]
    return ("\n\n".join(parts) + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------------
# Office Open XML (DOCX, PPTX)

_FIXED_TIME = (2024, 1, 1, 0, 0, 0)  # zip timestamps fixed, so the bytes are reproducible
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_NS_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
_CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
_CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
_CT_PML = "application/vnd.openxmlformats-officedocument.presentationml"


def _xml_text(text: str) -> str:
    """Text safe inside an XML element: escaped, without characters XML 1.0 forbids."""
    clean = "".join(
        ch
        for ch in text
        if ch in "\t\n\r"
        or (" " <= ch <= "\ud7ff")
        or ("\ue000" <= ch <= "\ufffd")
        or ch > "\uffff"
    )
    return escape(clean)


def _zip(members: list[tuple[str, str]]) -> bytes:
    """A deflated zip of (name, XML text) in the given order; the first member comes first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def _content_types(overrides: dict[str, str]) -> str:
    return (
        _XML_DECL
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        + f'<Default Extension="rels" ContentType="{_CT_RELS}"/>'
        + '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(
            f'<Override PartName="/{part}" ContentType="{kind}"/>'
            for part, kind in overrides.items()
        )
        + "</Types>"
    )


def _relationships(targets: list[tuple[str, str]]) -> str:
    """A relationships part; ids are rId1, rId2... in the order given as (type, target)."""
    return (
        _XML_DECL
        + f'<Relationships xmlns="{_NS_PKG_REL}">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>'
            for i, (kind, target) in enumerate(targets, start=1)
        )
        + "</Relationships>"
    )


def _core_properties(title: str) -> str:
    return (
        _XML_DECL + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        + f"<dc:title>{_xml_text(title)}</dc:title>"
        + "<cp:lastModifiedBy>Consortium hub sample files</cp:lastModifiedBy>"
        + "</cp:coreProperties>"
    )


def _w_paragraph(text: str, *, title: bool = False) -> str:
    props = '<w:pPr><w:spacing w:after="240"/></w:pPr>' if title else ""
    run_props = '<w:rPr><w:b/><w:sz w:val="36"/></w:rPr>' if title else ""
    return (
        f'<w:p>{props}<w:r>{run_props}<w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r></w:p>'
    )


def docx_document(title: str, paragraphs: list[str]) -> bytes:
    """A minimal valid Word document: the title in large bold type, then the paragraphs.

    Parts: ``[Content_Types].xml`` (first, as file-type sniffers expect), ``_rels/.rels``,
    ``word/document.xml`` and ``docProps/core.xml`` (the title as document property).
    """
    body = "".join([_w_paragraph(title, title=True), *(_w_paragraph(p) for p in paragraphs)])
    document = (
        _XML_DECL
        + f'<w:document xmlns:w="{_NS_W}"><w:body>{body}'
        + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440"'
        ' w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/>'
        "</w:sectPr></w:body></w:document>"
    )
    return _zip(
        [
            (
                "[Content_Types].xml",
                _content_types(
                    {
                        "word/document.xml": "application/vnd.openxmlformats-officedocument"
                        ".wordprocessingml.document.main+xml",
                        "docProps/core.xml": _CT_CORE,
                    }
                ),
            ),
            (
                "_rels/.rels",
                _relationships(
                    [
                        (f"{_REL}/officeDocument", "word/document.xml"),
                        (_CORE_REL, "docProps/core.xml"),
                    ]
                ),
            ),
            ("word/document.xml", document),
            ("docProps/core.xml", _core_properties(title)),
        ]
    )


_P_ROOT = f'xmlns:a="{_NS_A}" xmlns:r="{_NS_R}" xmlns:p="{_NS_P}"'
_GROUP = (
    '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
    '<p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/>'
    '<a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>'
)
_SLIDE_W, _SLIDE_H = 12192000, 6858000  # 16:9 in EMU

_THEME = (
    _XML_DECL + f'<a:theme xmlns:a="{_NS_A}" name="Hub"><a:themeElements>'
    '<a:clrScheme name="Hub">'
    '<a:dk1><a:srgbClr val="000000"/></a:dk1><a:lt1><a:srgbClr val="FFFFFF"/></a:lt1>'
    '<a:dk2><a:srgbClr val="1F3B5A"/></a:dk2><a:lt2><a:srgbClr val="EEF2F6"/></a:lt2>'
    '<a:accent1><a:srgbClr val="2962A0"/></a:accent1>'
    '<a:accent2><a:srgbClr val="D9822B"/></a:accent2>'
    '<a:accent3><a:srgbClr val="3B8E5A"/></a:accent3>'
    '<a:accent4><a:srgbClr val="8E3B7A"/></a:accent4>'
    '<a:accent5><a:srgbClr val="3B8E8E"/></a:accent5>'
    '<a:accent6><a:srgbClr val="B03A2E"/></a:accent6>'
    '<a:hlink><a:srgbClr val="0563C1"/></a:hlink><a:folHlink><a:srgbClr val="954F72"/></a:folHlink>'
    "</a:clrScheme>"
    '<a:fontScheme name="Hub">'
    '<a:majorFont><a:latin typeface="Calibri"/><a:ea typeface=""/><a:cs typeface=""/></a:majorFont>'
    '<a:minorFont><a:latin typeface="Calibri"/><a:ea typeface=""/><a:cs typeface=""/></a:minorFont>'
    "</a:fontScheme>"
    '<a:fmtScheme name="Hub">'
    "<a:fillStyleLst>"
    + '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    * 3
    + "</a:fillStyleLst>"
    "<a:lnStyleLst>"
    + '<a:ln w="6350"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln>'
    * 3
    + "</a:lnStyleLst>"
    "<a:effectStyleLst>"
    + "<a:effectStyle><a:effectLst/></a:effectStyle>"
    * 3
    + "</a:effectStyleLst>"
    "<a:bgFillStyleLst>"
    + '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    * 3
    + "</a:bgFillStyleLst>"
    "</a:fmtScheme></a:themeElements><a:objectDefaults/><a:extraClrSchemeLst/></a:theme>"
)

_MASTER = (
    _XML_DECL + f"<p:sldMaster {_P_ROOT}><p:cSld><p:spTree>{_GROUP}</p:spTree></p:cSld>"
    '<p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" accent2="accent2"'
    ' accent3="accent3" accent4="accent4" accent5="accent5" accent6="accent6" hlink="hlink"'
    ' folHlink="folHlink"/>'
    '<p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/></p:sldLayoutIdLst>'
    "<p:txStyles>"
    '<p:titleStyle><a:lvl1pPr><a:defRPr sz="4000"/></a:lvl1pPr></p:titleStyle>'
    '<p:bodyStyle><a:lvl1pPr><a:defRPr sz="2400"/></a:lvl1pPr></p:bodyStyle>'
    '<p:otherStyle><a:lvl1pPr><a:defRPr sz="1800"/></a:lvl1pPr></p:otherStyle>'
    "</p:txStyles></p:sldMaster>"
)

_LAYOUT = (
    _XML_DECL + f'<p:sldLayout {_P_ROOT} type="blank" preserve="1"><p:cSld name="Blank">'
    f"<p:spTree>{_GROUP}</p:spTree></p:cSld>"
    "<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>"
)


def _text_box(
    shape_id: int, name: str, y: int, cy: int, lines: list[str], size: int, *, bold: bool = False
) -> str:
    bold_attr = ' b="1"' if bold else ""
    paragraphs = (
        "".join(
            f'<a:p><a:r><a:rPr sz="{size}"{bold_attr}/><a:t>{_xml_text(line)}</a:t></a:r></a:p>'
            for line in lines
        )
        or "<a:p/>"
    )
    return (
        f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name={quoteattr(name)}/>'
        '<p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr>'
        f'<p:spPr><a:xfrm><a:off x="609600" y="{y}"/><a:ext cx="{_SLIDE_W - 2 * 609600}"'
        f' cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr>'
        f'<p:txBody><a:bodyPr wrap="square"><a:normAutofit/></a:bodyPr><a:lstStyle/>'
        f"{paragraphs}</p:txBody></p:sp>"
    )


def _slide(heading: str, lines: list[str], *, title_slide: bool = False) -> str:
    if title_slide:
        shapes = _text_box(2, "Title", 2286000, 1600200, [heading], 4400, bold=True)
    else:
        shapes = _text_box(2, "Title", 457200, 1143000, [heading], 3600, bold=True)
        shapes += _text_box(3, "Text", 1752600, 4648200, lines, 2400)
    return (
        _XML_DECL + f"<p:sld {_P_ROOT}><p:cSld><p:spTree>{_GROUP}{shapes}</p:spTree></p:cSld>"
        "<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>"
    )


def pptx_presentation(title: str, slides: list[str]) -> bytes:
    """A minimal valid PowerPoint presentation: a title slide, then one slide per entry.

    The first line of each entry is the slide's heading and the further lines its text (one
    paragraph per line). The package has what PowerPoint requires (presentation, one slide
    master, one blank layout, a theme) and starts with ``[Content_Types].xml``, then
    ``_rels/.rels``, then ``ppt/presentation.xml``, so that file-type sniffers see a PPTX.
    """
    deck = [_slide(title, [], title_slide=True)]
    for entry in slides:
        lines = [line.strip() for line in entry.strip().splitlines() if line.strip()] or [""]
        deck.append(_slide(lines[0], lines[1:]))

    overrides = {
        "ppt/presentation.xml": f"{_CT_PML}.presentation.main+xml",
        "ppt/slideMasters/slideMaster1.xml": f"{_CT_PML}.slideMaster+xml",
        "ppt/slideLayouts/slideLayout1.xml": f"{_CT_PML}.slideLayout+xml",
        "ppt/theme/theme1.xml": "application/vnd.openxmlformats-officedocument.theme+xml",
        **{f"ppt/slides/slide{n}.xml": f"{_CT_PML}.slide+xml" for n in range(1, len(deck) + 1)},
        "docProps/core.xml": _CT_CORE,
    }
    # presentation.xml.rels: rId1 master, rId2 theme, rId3... the slides in order.
    presentation = (
        _XML_DECL + f'<p:presentation {_P_ROOT} saveSubsetFonts="1">'
        '<p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId1"/></p:sldMasterIdLst>'
        "<p:sldIdLst>"
        + "".join(f'<p:sldId id="{255 + n}" r:id="rId{n + 2}"/>' for n in range(1, len(deck) + 1))
        + "</p:sldIdLst>"
        f'<p:sldSz cx="{_SLIDE_W}" cy="{_SLIDE_H}"/><p:notesSz cx="6858000" cy="9144000"/>'
        "</p:presentation>"
    )
    members = [
        ("[Content_Types].xml", _content_types(overrides)),
        (
            "_rels/.rels",
            _relationships(
                [
                    (f"{_REL}/officeDocument", "ppt/presentation.xml"),
                    (_CORE_REL, "docProps/core.xml"),
                ]
            ),
        ),
        ("ppt/presentation.xml", presentation),
        (
            "ppt/_rels/presentation.xml.rels",
            _relationships(
                [
                    (f"{_REL}/slideMaster", "slideMasters/slideMaster1.xml"),
                    (f"{_REL}/theme", "theme/theme1.xml"),
                    *((f"{_REL}/slide", f"slides/slide{n}.xml") for n in range(1, len(deck) + 1)),
                ]
            ),
        ),
        ("ppt/slideMasters/slideMaster1.xml", _MASTER),
        (
            "ppt/slideMasters/_rels/slideMaster1.xml.rels",
            _relationships(
                [
                    (f"{_REL}/slideLayout", "../slideLayouts/slideLayout1.xml"),
                    (f"{_REL}/theme", "../theme/theme1.xml"),
                ]
            ),
        ),
        ("ppt/slideLayouts/slideLayout1.xml", _LAYOUT),
        (
            "ppt/slideLayouts/_rels/slideLayout1.xml.rels",
            _relationships([(f"{_REL}/slideMaster", "../slideMasters/slideMaster1.xml")]),
        ),
        ("ppt/theme/theme1.xml", _THEME),
    ]
    for n, slide in enumerate(deck, start=1):
        members.append((f"ppt/slides/slide{n}.xml", slide))
        members.append(
            (
                f"ppt/slides/_rels/slide{n}.xml.rels",
                _relationships([(f"{_REL}/slideLayout", "../slideLayouts/slideLayout1.xml")]),
            )
        )
    members.append(("docProps/core.xml", _core_properties(title)))
    return _zip(members)


def lecture_video() -> bytes:
    """A 20-second WebM (VP8, 320x180) showing the elapsed second: a real video to seek in.

    Shipped rather than generated, because encoding video needs a codec library; it was made
    with PyAV (libvpx, a keyframe every second so that seeking lands exactly).
    """
    return (Path(__file__).resolve().parent.parent / "data" / "sample-lecture.webm").read_bytes()
