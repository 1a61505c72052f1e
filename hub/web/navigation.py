"""Where a request may send the browser next: redirect targets it carries (``next``, ``back``).

Imports nothing of the web package, so that every web module can use it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def is_site_path(target: str) -> bool:
    """Whether ``target`` is a path on this site as a browser reads it (no other host)."""
    # Browsers drop tabs and newlines anywhere in a URL and controls or spaces at its ends,
    # and read "\" as "/": "/\t/evil.example" and "/\evil.example" both mean
    # "//evil.example", another host. Paths this site writes contain none of them.
    if any(ch <= " " or ch in "\x7f\\" for ch in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str | None = None) -> str:
    """``target`` if it is a path on this site, else ``fallback`` (by default the home page).

    Every redirect to an address the request names goes through here (no open redirect).
    """
    if target and is_site_path(target):
        return target
    return fallback if fallback is not None else url_for("main.home")
