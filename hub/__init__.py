"""The hub: a content-sharing hub for a consortium of medical schools."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from .config import Settings


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the hub. ``config`` overrides settings read from ``HUB_*`` environment variables.

    Keys of ``config`` that are ``HUB_*`` environment names (``HUB_DATABASE_URL``, ...) are read
    like the environment; other keys go straight into Flask's config (``TESTING``, ...).
    """
    import os

    overrides = dict(config or {})
    env = dict(os.environ)
    env.update({k: str(v) for k, v in overrides.items() if k.startswith("HUB_") and v is not None})
    settings = Settings.from_env(env)

    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(settings.flask_config())
    app.config.update({k: v for k, v in overrides.items() if not k.startswith("HUB_")})
    app.extensions["hub.settings"] = settings
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from . import db
    from .extensions import csrf, limiter, login_manager

    db.init_app(app, db.Database(settings.database_url))
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    login_manager.init_app(app)

    from . import i18n

    i18n.init_app(app)

    from . import search

    search.init_app(app)

    from .web import register_web

    register_web(app)

    from .api import register_api

    register_api(app)

    from .cli import register_cli

    register_cli(app)
    return app


def check_services(app: Flask) -> None:
    """Fail at start-up, with one clear message, when the database or content store is unusable.

    Raises ``ServiceUnavailable``; ``hub serve`` and ``wsgi.py`` call this so that a missing
    bucket or wrong credentials show once, not as a stack trace on every request.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from content_store import ContentStoreError

    from .db import database as database_of
    from .storage import store_for

    database = database_of(app)
    try:
        database.ping()
    except SQLAlchemyError as exc:
        raise ServiceUnavailable(
            f"cannot use the database {database.engine.url!r}: {getattr(exc, 'orig', exc)}"
        ) from None
    try:
        store_for(app).check()
    except ContentStoreError as exc:
        raise ServiceUnavailable(f"cannot use the content store: {exc}") from None


def prepare_worker(app: Flask) -> None:
    """Ready a serving process before it answers anyone (``wsgi.py``, ``hub serve``).

    - Open and warm its index copy: a searcher and the caches searches use cost up to a few
      hundred milliseconds, which the first person to search would otherwise wait for.
    - Take everything loaded so far (code, the index's caches) out of the cyclic garbage
      collector's rounds, and let it run less often: a search allocates many short-lived
      objects, and full collections over the long-lived ones cost 50-150 ms each in a
      worker with a 100,000-material index (measured), landing on some person's search.
      Reference counting still frees nearly everything at once; only cycles wait longer.
    """
    import gc

    from search_index import SearchIndexError

    from .search import index_for

    try:
        index_for(app).warm()
    except (SearchIndexError, OSError) as exc:
        # No index yet (a new instance) or one being rebuilt: searches say so themselves.
        logging.getLogger("hub").warning("search index not warmed: %s", exc)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)


#: The cyclic collector's thresholds in a serving process (Python's default: 700, 10, 10).
SERVING_GC_THRESHOLDS = (10_000, 10, 10)


class ServiceUnavailable(RuntimeError):
    """The database or content store cannot be used; the message says which and why."""
