"""Find words of the interface that are not marked for translation.

Used by ``tests/test_i18n.py``; run ``python -m tests.i18n_check`` to list every finding with
its file and line. Templates: text between tags, people-facing attributes (placeholder, title,
aria-label, alt) and prose string literals inside ``{{ }}``/``{% %}`` must go through ``_()``
or ``{% trans %}``. Python: messages given to ``flash``, ``abort``, form fields and validators,
and exceptions raised with prose must be ``_()``/``_l()`` calls, never bare or f-strings.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "hub" / "templates"
PYTHON_FOLDERS = [ROOT / "hub" / "web", ROOT / "hub" / "services", ROOT / "hub" / "policy"]
# Demo content and start-up checks speak to operators and are data, not interface. OAI-PMH
# answers programs (harvesters): its error texts go with the protocol's codes, in English as
# the protocol's verbs, codes and element names are.
PYTHON_SKIP = {"demo.py", "demo_materials.py", "sample_files.py", "oai_pmh.py"}

GETTEXT_NAMES = {"_", "_l", "gettext", "ngettext", "pgettext", "lazy_gettext", "N_"}
ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "aria-description", "label"}
LETTERS = re.compile(r"[^\W\d_]{2,}")
ENTITY = re.compile(r"&[a-zA-Z]+;|&#\d+;")
# A literal that reads as words to a person: "Save", "Not shared yet.", "by %(name)s".
PROSE = re.compile(r"^[A-Z][a-z]+|[a-z]{2,} [a-z]{2,}.*[.?!:]$")
# Literals that look like prose but are not shown as words (formats, codes, brand of a file type).
ALLOWED_LITERALS = {"UTC", "GET", "POST", "Range", "Content-Type", "Accept-Language"}
MARK = "\x00"


@dataclass(frozen=True)
class Finding:
    """One unmarked piece of interface text."""

    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.text!r}"


def _is_prose(literal: str) -> bool:
    return bool(literal.strip()) and literal not in ALLOWED_LITERALS and bool(PROSE.search(literal))


class _TextCollector(HTMLParser):
    """Collects visible text and people-facing attribute values of a template's skeleton."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[tuple[int, str]] = []
        self._raw = 0  # inside <script> or <style>

    def _check(self, text: str) -> None:
        cleaned = ENTITY.sub(" ", text.replace(MARK, " "))
        if LETTERS.search(cleaned):
            self.found.append((self.getpos()[0], " ".join(cleaned.split())))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._raw += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self._check(value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._raw:
            self._raw -= 1

    def handle_data(self, data: str) -> None:
        if not self._raw:
            self._check(data)


def check_template(path: Path, env: Environment | None = None) -> list[Finding]:
    """Unmarked text in one Jinja template."""
    env = env or Environment(extensions=["jinja2.ext.i18n"])
    source = path.read_text(encoding="utf-8")
    findings: list[Finding] = []
    skeleton: list[str] = []
    tokens = [t for t in env.lex(source) if t[1] != "whitespace"]
    in_trans = 0
    gettext_depth: list[int] = []  # paren depths at which a gettext call opened
    depth = 0
    for i, (line, kind, value) in enumerate(tokens):
        prev = tokens[i - 1] if i else None
        if kind == "name" and prev and prev[1] == "block_begin":
            if value == "trans":
                in_trans += 1
            elif value == "endtrans":
                in_trans -= 1
        if kind == "name" and value in GETTEXT_NAMES and prev and prev[2] == "set":
            findings.append(
                Finding(path, line, f"{{% set {value} %}} hides the translation function")
            )
        if kind == "data":
            # Keep line numbers: the skeleton has the data's own newlines.
            skeleton.append(MARK + "\n" * value.count("\n") if in_trans else value)
            continue
        if kind in ("variable_begin", "block_begin", "comment_begin"):
            skeleton.append(MARK)
        if kind == "operator" and value == "(":
            depth += 1
            if prev and prev[1] == "name" and prev[2] in GETTEXT_NAMES:
                gettext_depth.append(depth)
        elif kind == "operator" and value == ")":
            if gettext_depth and gettext_depth[-1] == depth:
                gettext_depth.pop()
            depth -= 1
        elif kind == "string" and not gettext_depth and not in_trans:
            literal = value[1:-1]
            if _is_prose(literal):
                findings.append(Finding(path, line, literal))
        elif kind == "comment":
            skeleton.append("\n" * value.count("\n"))
    collector = _TextCollector()
    collector.feed("".join(skeleton))
    collector.close()
    findings.extend(Finding(path, line, text) for line, text in collector.found)
    return findings


def _is_marked(node: ast.expr) -> bool:
    """A gettext call, a variable or anything built at run time (not a bare literal)."""
    if isinstance(node, ast.Constant):
        return not (isinstance(node.value, str) and _is_prose(node.value))
    if isinstance(node, ast.JoinedStr):
        return False
    if isinstance(node, ast.BinOp):
        return _is_marked(node.left) and _is_marked(node.right)
    if isinstance(node, ast.IfExp):
        return _is_marked(node.body) and _is_marked(node.orelse)
    return True


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


# Calls whose message arguments reach people.
MESSAGE_CALLS = {"flash", "abort", "Refused", "ValidationError", "StopValidation"}
FIELD_SUFFIXES = ("Field",)
VALIDATORS = {
    "DataRequired",
    "InputRequired",
    "Length",
    "Email",
    "EqualTo",
    "Optional",
    "Regexp",
    "NumberRange",
    "AnyOf",
    "NoneOf",
    "URL",
}


def check_python(path: Path) -> list[Finding]:
    """Unmarked messages in one Python module of the web layer, services or policy."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    findings: list[Finding] = []

    def flag(node: ast.expr) -> None:
        if not _is_marked(node):
            text = node.value if isinstance(node, ast.Constant) else ast.unparse(node)
            findings.append(Finding(path, node.lineno, str(text)))

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in GETTEXT_NAMES:
                continue
            if name in MESSAGE_CALLS or name.endswith(FIELD_SUFFIXES):
                for arg in node.args:
                    flag(arg)
                for kw in node.keywords:
                    if kw.arg in ("description", "label", "message"):
                        flag(kw.value)
            elif name in VALIDATORS:
                for kw in node.keywords:
                    if kw.arg == "message":
                        flag(kw.value)
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            for arg in node.exc.args:
                flag(arg)
    return findings


def all_findings() -> list[Finding]:
    """Every unmarked string in the hub's templates and people-facing Python."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    findings: list[Finding] = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        findings.extend(check_template(path, env))
    for folder in PYTHON_FOLDERS:
        for path in sorted(folder.rglob("*.py")):
            if path.name not in PYTHON_SKIP:
                findings.extend(check_python(path))
    return findings


if __name__ == "__main__":
    found = all_findings()
    for finding in found:
        print(finding)
    print(f"{len(found)} unmarked", file=sys.stderr)
    sys.exit(1 if found else 0)
