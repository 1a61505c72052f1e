"""What a teacher sends through the API to publish a material (the README's guide), shared by
the API's test of that guide, the two-host test and its load (``locustfile.py``, which runs
under gevent: nothing here imports the hub)."""

from __future__ import annotations

#: The draft's description, enough to publish it.
DRAFT = {
    "revision": 1,
    "summary": "Hour-one bundle.",
    "language": "en",
    "level": "clinical",
    "resource_type": "lecture",
    "licence": "CC-BY-4.0",
}
#: Shared with everyone, to read and download.
PUBLIC = {"kind": "public", "values": [], "rights": ["view", "download"]}
