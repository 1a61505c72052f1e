"""Files: a record of a blob in the content store, as someone uploaded it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .person import Person
    from .school import School


class File(Base):
    """One uploaded file. Many records may share one blob (content is deduplicated by hash)."""

    __tablename__ = "file"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(127))
    filename: Mapped[str] = mapped_column(String(255))  # sanitised, as shown and downloaded
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    school: Mapped[School] = relationship()
    uploaded_by: Mapped[Person | None] = relationship()


class Rendition(Base):
    """What the server made of a blob to show it without handing out the file: a PDF page or
    an image at one width (PNG), or an office document converted to PDF (``page`` 0,
    ``width`` 0). Renditions are blobs in the content store too, made once and shared by
    every file record of the same content."""

    __tablename__ = "rendition"
    __table_args__ = (UniqueConstraint("source_sha256", "page", "width"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_sha256: Mapped[str] = mapped_column(String(64))
    page: Mapped[int] = mapped_column()  # 1-based; 0: the whole document as PDF
    width: Mapped[int] = mapped_column()  # pixels; 0 for a converted document
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(127))
    page_count: Mapped[int] = mapped_column()  # pages of the source (1 for an image)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
