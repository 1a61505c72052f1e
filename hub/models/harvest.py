"""What OAI-PMH harvesters have been able to see of each material: its datestamp and who
could ever discover it (see ``services/harvest_log.py``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class HarvestRecord(Base):
    """One material as harvesters see it, from its first publication on.

    ``datestamp`` is the OAI datestamp: when the record last changed for harvesters (a version
    was published, or who may discover it changed: sharing, retirement, a school's standing,
    a time window passing). ``tokens`` are the policy's access tokens of its current published
    version at that moment; ``exposed`` is every token it ever had (never shrinks), so that a
    material withdrawn from a reader is answered as deleted to exactly the readers who could
    once discover it, and to nobody else.
    """

    __tablename__ = "harvest_record"
    __table_args__ = (Index("ix_harvest_record_datestamp_material", "datestamp", "material_id"),)

    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), primary_key=True)
    datestamp: Mapped[dt.datetime] = mapped_column()
    version_id: Mapped[int | None] = mapped_column(Integer)
    tokens: Mapped[list[str] | None] = mapped_column(JSON)
    exposed: Mapped[list[str] | None] = mapped_column(JSON)
