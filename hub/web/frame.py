"""Helpers of the page frame (header, navigation, forms in every page), worked out once.

Every page draws the same frame: about fifteen links that depend on nothing but their
endpoint, and two forms with a CSRF token. On a results page these were a fifth of the
rendering time (measured with py-spy in a serving worker): routing each link again, and
signing a new CSRF token for every page.
"""

from __future__ import annotations

import functools
from time import monotonic
from typing import Any

from flask import Flask, current_app, g, request, session, url_for
from flask_wtf.csrf import generate_csrf

#: A signed CSRF token is given again for this long (Flask-WTF accepts one for
#: ``WTF_CSRF_TIME_LIMIT``, an hour by default, from when it was signed).
TOKEN_REUSE_SECONDS = 60


def fixed_url(endpoint: str, **values: str) -> str:
    """``url_for(endpoint, **values)`` for an address that depends on nothing else (no
    request arguments), remembered per application root."""
    return _fixed_url(request.script_root, endpoint, tuple(sorted(values.items())))


@functools.lru_cache(maxsize=1024)
def _fixed_url(_root: str, endpoint: str, values: tuple[tuple[str, str], ...]) -> str:
    # The root is part of the key: the same endpoint has another address under another
    # mount point (SCRIPT_NAME).
    arguments: dict[str, Any] = dict(values)
    return url_for(endpoint, **arguments)


@functools.lru_cache(maxsize=10_000)
def _signed_token(_secret: str, _session_token: str, _minute: int) -> str:
    # Keyed by the session's token and the minute: each is signed once a minute at most.
    return generate_csrf()


def csrf_token() -> str:
    """Flask-WTF's signed CSRF token for this session (what its ``csrf_token()`` gives),
    signed again at most once a minute: the same token is valid for an hour either way."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g:
        return str(g.get(field))
    raw = session.get(field)
    if isinstance(raw, str):
        secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        token = _signed_token(str(secret), raw, int(monotonic() // TOKEN_REUSE_SECONDS))
        setattr(g, field, token)
        return token
    return generate_csrf()  # a new session: Flask-WTF makes its token


def init_app(app: Flask) -> None:
    """Give templates the frame's helpers (``csrf_token`` in place of Flask-WTF's own).

    Call after Flask-WTF's ``CSRFProtect.init_app``: it hands templates its own
    ``csrf_token`` through a context processor, which wins over globals; a processor
    registered later wins over it."""
    app.jinja_env.globals.update(csrf_token=csrf_token, fixed_url=fixed_url)
    app.context_processor(_frame_helpers)


def _frame_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token}
