"""Errors that services raise; each carries a message a person understands."""

from __future__ import annotations


class ServiceError(Exception):
    """A request that the rules refuse. ``status`` is the HTTP status the web layer answers."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ServiceError):
    """The input is malformed (unknown code, bad email, ...)."""


class NotFound(ServiceError):
    """The thing does not exist, or the person may not know that it does."""

    status = 404


class Conflict(ServiceError):
    """The input clashes with what exists (a duplicate, an illegal transition)."""

    status = 409


class LinkInvalid(ServiceError):
    """An invitation or reset link that is expired, used, revoked or forged."""

    status = 400
