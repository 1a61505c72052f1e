"""Who may open which page: the one role check that every view declares.

Every view is decorated with exactly one of ``public`` or ``requires``; a test walks the URL
map and fails for a view that declares neither, so a new page cannot forget its check.
Per-record access (who may see a material) is the policy module's job, not this one's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..models import Role

F = TypeVar("F", bound=Callable[..., Any])

ACCESS_ATTRIBUTE = "hub_access"


def public(view: F) -> F:
    """Anyone may open this page, signed in or not."""
    setattr(view, ACCESS_ATTRIBUTE, "public")
    return view


def requires(*roles: Role) -> Callable[[F], F]:
    """Only signed-in people (with one of ``roles``, when given) may open this page.

    A visitor is sent to sign in (401 for non-HTML clients); a signed-in person without the role
    gets 403.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            denial = check(roles)
            if denial is not None:
                return denial
            return view(*args, **kwargs)

        setattr(guarded, ACCESS_ATTRIBUTE, tuple(roles) or "signed-in")
        return guarded  # type: ignore[return-value]

    return decorate


def wants_json() -> bool:
    """Whether the client is a program (API path or prefers JSON) rather than a browser."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def check(roles: tuple[Role, ...]) -> Response | None:
    """None if the current person passes; otherwise the response that refuses them."""
    if not current_user.is_authenticated:
        if wants_json():
            abort(401)
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    if roles and current_user.role not in roles:
        abort(403)
    return None
