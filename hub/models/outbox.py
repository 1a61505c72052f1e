"""The search outbox: every change that affects what the index holds, in commit order."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class IndexChange(Base):
    """'Material N changed': written in the same transaction as the change itself.

    Index copies follow these rows in ``id`` order and remember how far they have come, so a
    crash loses nothing and several copies (one per web host) can follow the same log.
    """

    __tablename__ = "index_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: a deleted material must still be deleted from the index.
    material_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
