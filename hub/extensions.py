"""Flask extensions, created once and bound to each app in the factory."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def submitted_email() -> str:
    """Rate-limit key for sign-in attempts against one account, whatever the address."""
    return "email:" + (request.form.get("email") or "").strip().lower()
