"""A full OAI-PMH harvest of the catalogue in ``lom``: records per second and the worker's
peak memory (``python -m benchmarks.oai_harvest [--quick] [--count N]``).

The instance is the search benchmark's (``benchmarks.search_hub``: the synthetic corpus of
``benchmarks/_corpus.py`` bulk-loaded with Core, 200 schools, every kind of grant), with a
harvest record for each published material (``harvest_log.record_missing``: the bulk load
writes no ORM change). One gunicorn worker serves it; an anonymous harvester asks for
``ListRecords`` in ``lom`` and follows the resumption tokens to the end, as a repository
harvester does. Before each harvest the worker's peak RSS is reset (``clear_refs``), so the
figure is the harvest's: answers are written record by record and a page holds 100 records,
so the peak must not grow with the catalogue; a harvest of one set (a sixth of the records)
is measured first for comparison. The peak includes the pages of the SQLite file the worker
maps (``mmap``, up to 256 MiB), which grow with what it has read; its heap after each harvest
(RssAnon) is given beside it.

100,000 materials by default; ``--quick``: 10,000. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from benchmarks._corpus import Corpus
from benchmarks._harness import (
    Client,
    exit_on_signals,
    gunicorn,
    process_peak_rss_mib,
    reset_peak_rss,
    run_hub,
)
from benchmarks.search_hub import bulk_load, personas

RECORD = re.compile(rb"<record[ >]")
DELETED = re.compile(rb'<header status="deleted"')
TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
SIZE = re.compile(rb'completeListSize="(\d+)"')
ERROR = re.compile(rb'<error code="(\w+)"')

RECORD_MISSING = """
from hub import create_app, db
from hub.services import harvest_log
app = create_app()
with app.app_context():
    s = db.session()
    n = harvest_log.record_missing(s)
    s.commit()
    print(n)
"""


def harvest(client: Client, query: dict[str, str]) -> dict[str, Any]:
    """One list harvested to its end: records, deleted ones, answers, bytes and seconds."""
    records = deleted = answers = size = 0
    announced = 0
    path = "/oai?" + urllib.parse.urlencode(query)
    started = time.perf_counter()
    while True:
        status, _headers, body = client.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        error = ERROR.search(body)
        if error is not None:
            raise RuntimeError(f"GET {path}: OAI error {error.group(1).decode()}")
        answers += 1
        size += len(body)
        records += len(RECORD.findall(body))
        deleted += len(DELETED.findall(body))
        if not announced and (found := SIZE.search(body)):
            announced = int(found.group(1))
        token = TOKEN.search(body)
        if token is None:
            break
        path = "/oai?" + urllib.parse.urlencode(
            {"verb": query["verb"], "resumptionToken": token.group(1).decode()}
        )
    seconds = time.perf_counter() - started
    return {
        "records": records,
        "deleted": deleted,
        "complete_list_size": announced or records,
        "answers": answers,
        "mb": round(size / 1e6, 1),
        "seconds": round(seconds, 2),
        "records_per_s": round(records / seconds) if seconds else 0,
    }


def anonymous_rss_mib(pid: int) -> float:
    """The process's resident memory that is not a mapped file (RssAnon), in MiB: its heap,
    without the pages of the SQLite file it reads through ``mmap`` (up to 256 MiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measured(client: Client, workers: list[int], query: dict[str, str]) -> dict[str, Any]:
    """A harvest with the worker's peak RSS reset before it and read after it, and its
    anonymous (heap) RSS after it."""
    for pid in workers:
        reset_peak_rss(pid)
    out = harvest(client, query)
    out["worker_peak_rss_mb"] = round(max(process_peak_rss_mib(pid) for pid in workers))
    out["worker_heap_rss_mb"] = round(max(anonymous_rss_mib(pid) for pid in workers))
    return out


def run(tmp: Path, count: int) -> dict[str, Any]:
    """Load the instance in ``tmp``, serve it, harvest it; the figures."""
    instance = tmp / "instance"
    for name in [k for k in os.environ if k.startswith("HUB_")]:
        del os.environ[name]
    env = dict(os.environ, HUB_INSTANCE_PATH=str(instance))
    run_hub(env, "db", "upgrade")
    corpus = Corpus()
    load_s = bulk_load(f"sqlite:///{instance / 'hub.sqlite3'}", corpus, personas(corpus), count)
    done = subprocess.run(
        [sys.executable, "-c", RECORD_MISSING], env=env, capture_output=True, text=True, check=True
    )
    recorded = int(done.stdout.split()[-1])
    print(f"corpus: {count:,} materials written in {load_s:.1f} s; {recorded:,} harvest records")
    out: dict[str, Any] = {"materials": count, "harvest_records": recorded}
    # One worker: its peak memory is the harvest's.
    with gunicorn(env, tmp / "gunicorn.log", workers=1, threads=2, timeout=300) as server:
        client = Client(server.port, timeout=300)
        workers = server.workers()
        status, _h, _b = client.request("GET", "/oai?verb=Identify")  # warm the worker
        assert status == 200
        idle = max(process_peak_rss_mib(pid) for pid in workers)
        one_set = measured(
            client, workers,
            {"verb": "ListRecords", "metadataPrefix": "lom", "set": "language:fr"},
        )  # fmt: skip
        full = measured(client, workers, {"verb": "ListRecords", "metadataPrefix": "lom"})
        client.close()
    print(f"worker after start-up: peak RSS {idle:.0f} MB")
    for name, figures in (("set language:fr", one_set), ("full", full)):
        print(f"{name} harvest (lom, anonymous): {figures['records']:,} records "
              f"({figures['deleted']:,} deleted) in {figures['answers']:,} answers, "
              f"{figures['mb']} MB, {figures['seconds']} s = {figures['records_per_s']:,} "
              f"records/s; worker peak RSS {figures['worker_peak_rss_mb']} MB (heap after: "
              f"{figures['worker_heap_rss_mb']} MB)")  # fmt: skip
    out.update(
        worker_idle_peak_rss_mb=round(idle),
        set_records=one_set["records"],
        set_worker_peak_rss_mb=one_set["worker_peak_rss_mb"],
        set_worker_heap_rss_mb=one_set["worker_heap_rss_mb"],
        records=full["records"],
        deleted=full["deleted"],
        complete_list_size=full["complete_list_size"],
        answers=full["answers"],
        harvest_mb=full["mb"],
        harvest_s=full["seconds"],
        records_per_s=full["records_per_s"],
        worker_peak_rss_mb=full["worker_peak_rss_mb"],
        worker_heap_rss_mb=full["worker_heap_rss_mb"],
    )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 materials")
    parser.add_argument("--count", type=int, help="materials (default 100,000)")
    args = parser.parse_args(argv)
    count = args.count or (10_000 if args.quick else 100_000)
    exit_on_signals()
    with tempfile.TemporaryDirectory(prefix="oai-harvest-") as folder:
        figures = run(Path(folder), count)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
