"""The hub's content store, opened once per app from its configuration."""

from __future__ import annotations

from flask import Flask, current_app

from content_store import ContentStore, ContentStoreError, open_store

__all__ = ["ContentStore", "ContentStoreError", "open_store", "store", "store_for"]


def store_for(app: Flask) -> ContentStore:
    """The content store configured for ``app`` (opened on first use, no network call)."""
    store: ContentStore | None = app.extensions.get("hub.store")
    if store is None:
        cfg = app.config
        store = open_store(
            cfg["HUB_CONTENT_STORE_URL"],
            s3_endpoint_url=cfg.get("HUB_S3_ENDPOINT_URL"),
            s3_region=cfg.get("HUB_S3_REGION"),
            max_size=cfg["HUB_MAX_UPLOAD_MB"] * 1024 * 1024,
        )
        app.extensions["hub.store"] = store
    return store


def store() -> ContentStore:
    """The current app's content store."""
    return store_for(current_app._get_current_object())  # type: ignore[attr-defined]
