"""Pages inside a learning platform's frame: after an LTI launch, the hub's pages may be
framed by that platform (and only it), and drawn without the site's header and footer.

A page is drawn for the frame when the browser says it is loading it in a frame
(``Sec-Fetch-Dest: iframe``) and the session came from a launch; the same address opened in
a tab of its own is the whole page, and no other site may frame it.
"""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface

#: The session's list of origins that launched it (the platform's issuer and login page).
FRAME_ORIGINS = "lti_frame_origins"


def frame_origins() -> list[str]:
    """The origins that may frame this session's pages (empty: none but the hub itself)."""
    # Without a session cookie there is nothing to read (and reading the session would mark
    # every answer, static files and the API included, as varying by cookie).
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return []
    origins = session.get(FRAME_ORIGINS)
    return [o for o in origins or [] if isinstance(o, str) and " " not in o and ";" not in o]


def embedded() -> bool:
    """Whether this page is being loaded into a platform's frame after a launch."""
    return request.headers.get("Sec-Fetch-Dest") == "iframe" and bool(frame_origins())


def frame_ancestors() -> str:
    """The Content-Security-Policy ``frame-ancestors`` of this answer."""
    return " ".join(["'self'", *frame_origins()])


class FramedSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions, as Flask's, except that a session that came from a launch over
    HTTPS is sent in the platform's frame: browsers send a ``SameSite=Lax`` cookie to a frame
    of another site's page only if it is ``SameSite=None; Secure``. Forms keep their CSRF
    tokens; every other session stays ``Lax``."""

    def _framed(self) -> bool:
        return request.is_secure and bool(session.get(FRAME_ORIGINS))

    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "None" if self._framed() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return self._framed() or super().get_cookie_secure(app)
