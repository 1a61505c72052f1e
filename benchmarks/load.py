"""A mixed load against the hub as it ships: gunicorn on the embedded defaults (SQLite, blobs
on local disk, Whoosh) with the demo consortium, and the same load against an older checkout.

    python -m benchmarks.load [--quick] [--clients N] [--seconds S] [--baseline PATH]

A hub instance in a temporary folder (``hub db upgrade``, ``hub demo``: 20 schools, about 350
materials with files) served by ``gunicorn -w 2 -k gthread --threads 8`` (as ``hub serve``
runs it: threads, one more worker), then 32 client threads for 60 s (``--quick``: 8 for 10 s),
each on one keep-alive connection as one demo persona (an anonymous visitor, or a signed-in
student, teacher or school admin of an active school), requests back to back in this mix:
searches of one or two medical words, material pages, downloads whole and with ``Range``,
browse, the home page, and a few writes (adding to or taking off My list). Loopback only,
bounded in count and in time: it stops by itself. What each persona may open is found
first by following the links of its own browse pages and material pages.

Printed: requests/s, p50/p95/p99 per kind and overall, answers by status; any 5xx, or a
request that got no answer, is a failure and is listed. Then what a request of each kind
costs the server: the workers' CPU time (from ``/proc``) over 200 requests of that kind made
one at a time (``--quick``: 40), and that cost weighted by the mix. Unlike requests/s under a
saturating load, it does not move with what else the machine is doing, nor with the load
generator's own share of the two cores.

``--baseline PATH`` runs the same load, in the same run, against another checkout (say a
worktree of an older commit: ``git worktree add /tmp/hub-d5bf87d d5bf87d``) with this
virtual environment: that tree's ``hub`` is imported (checked before the load), its own
``hub db upgrade`` and ``hub demo`` make its instance, and the ratios of throughput and p95
(this tree / the baseline) are printed. Targets (issue 18): >= 3x the baseline's
throughput, p95 under 500 ms, no 5xx.

Where a material page's CPU goes (py-spy, from PyPI, is not a dependency of the project)::

    py-spy record --subprocesses --nonblocking --nolineno --rate 250 --format raw \
        -o /tmp/load.folded -- python -m benchmarks.load --quick
    python -m benchmarks.load --frames /tmp/load.folded

``--frames`` reads py-spy's collapsed stacks and prints the top frames of ``GET
/materials/<id>`` (stacks through the view ``show`` of ``hub/web/materials.py``): by own
time, by time including what they call, and the hub's own functions by the latter.

The last line is one JSON object of figures (latencies in ms).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks._corpus import LEXICON
from benchmarks._harness import (
    ROOT,
    Client,
    Tally,
    cpu_seconds,
    exit_on_signals,
    gunicorn,
    imported_from,
    load,
    pct,
    run_hub,
)

THREADS = 8  # per worker, as `hub serve` runs it
MIX = {  # kind of request -> share of the load
    "search": 0.25,
    "material": 0.25,
    "download": 0.10,
    "download_range": 0.10,
    "browse": 0.12,
    "home": 0.13,
    "bookmark": 0.05,
}
EXPECTED = {"bookmark": 302, "download_range": 206}  # the rest: 200
RANGE = "bytes=0-4095"
MATERIAL_RE = re.compile(rb'href="/materials/(\d+)"')
DOWNLOAD_RE = re.compile(rb'href="(/materials/\d+/v/\d+/files/\d+/[^"]+)"')
SIGN_IN_RE = re.compile(r"^\s+(\S+@\S+)\s+(student|teacher|school admin)\s+(.*)$", re.M)
PASSWORD_RE = re.compile(r"password is '([^']+)'")
TARGET_RATIO, TARGET_P95_MS = 3.0, 500.0


@dataclass
class Persona:
    """A demo person (or the anonymous visitor), and what they may open."""

    label: str
    client: Client
    materials: list[int] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)


# --- the instance and what each persona sees -------------------------------------------------


def demo_instance(tree: Path, folder: Path) -> tuple[dict[str, str], str]:
    """``hub db upgrade`` and ``hub demo`` of ``tree`` into ``folder``; the environment that
    serves it, and what ``hub demo`` printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_INSTANCE_PATH"] = str(folder / "instance")
    found = imported_from(env, tree)
    if found != tree.resolve():
        raise RuntimeError(f"the hub imported for {tree} comes from {found}")
    catalogues = tree / "hub" / "translations"
    if not any(catalogues.glob("*/LC_MESSAGES/messages.mo")):  # a fresh checkout
        pybabel = Path(sys.executable).parent / "pybabel"
        subprocess.run([pybabel, "-q", "compile", "-d", catalogues], check=True)
    run_hub(env, "db", "upgrade", tree=tree)
    return env, run_hub(env, "demo", tree=tree)


def personas(port: int, demo_output: str) -> list[Persona]:
    """The anonymous visitor and one student, teacher and school admin of active schools
    (from the sign-ins ``hub demo`` prints), each signed in once."""
    password = PASSWORD_RE.search(demo_output)
    if password is None:
        raise RuntimeError(f"no password in the demo's sign-ins:\n{demo_output}")
    people = [Persona("anonymous", Client(port, timeout=60))]
    roles: set[str] = set()
    for email, role, school in SIGN_IN_RE.findall(demo_output):
        if role in roles or "suspended" in school:
            continue
        roles.add(role)
        client = Client(port, timeout=60)
        client.sign_in(email, password.group(1))
        people.append(Persona(role, client))
    return people


def discover(person: Persona, pages: int = 3, opened: int = 20) -> None:
    """The materials the person's browse pages list, and the downloads offered on the
    first ``opened`` of their pages."""
    found: dict[int, None] = {}
    for page in range(1, pages + 1):
        _, _, body = person.client.request("GET", f"/browse?page={page}")
        found.update((int(m), None) for m in MATERIAL_RE.findall(body))
    person.materials = list(found)
    downloads: dict[str, None] = {}
    for material in person.materials[:opened]:
        _, _, body = person.client.request("GET", f"/materials/{material}")
        for link in DOWNLOAD_RE.findall(body):
            path = link.decode().replace("&amp;", "&")
            if not path.endswith(("/view", "/stream")) and "/pages/" not in path:
                downloads[path] = None
    person.downloads = list(downloads)
    person.client.close()


def search_words() -> list[str]:
    """Medical words in English, French, Spanish and Portuguese (the demo's languages)."""
    rows = [line.split("|") for line in LEXICON.splitlines() if line.strip()]
    return sorted({word for row in rows for word in row[:4]})


# --- the load --------------------------------------------------------------------------------


def step_for(people: list[Persona], clients: list[Client], words: list[str]) -> Any:
    """What the n-th request is: a kind drawn from the mix, then a path for the client's
    persona (``clients[i]`` acts for ``people[i % len(people)]``)."""
    owner = {id(c): people[i % len(people)] for i, c in enumerate(clients)}
    kinds, weights = list(MIX), list(MIX.values())

    def step(client: Client, n: int, kind: str = "") -> tuple[str, int]:
        rnd = random.Random(n)
        person = owner[id(client)]
        kind = kind or rnd.choices(kinds, weights)[0]
        if kind.startswith("download") and not person.downloads:
            kind = "material"
        if kind == "bookmark" and person.label == "anonymous":
            kind = "material"
        if kind in ("material", "bookmark") and not person.materials:
            kind = "home"
        headers = {"Range": RANGE} if kind == "download_range" else None
        if kind == "bookmark":
            path = f"/materials/{rnd.choice(person.materials)}/bookmark"
            return kind, client.form(path, [("back", "/my-list")])[0]
        if kind == "search":
            query = " ".join(rnd.sample(words, rnd.choice((1, 1, 2))))
            path = "/search?" + urllib.parse.urlencode({"q": query})
        elif kind == "material":
            path = f"/materials/{rnd.choice(person.materials)}"
        elif kind.startswith("download"):
            path = rnd.choice(person.downloads)
        else:
            path = "/" if kind == "home" else f"/browse?page={rnd.randint(1, 3)}"
        return kind, client.request("GET", path, headers=headers)[0]

    return step


def measure(
    tree: Path, folder: Path, n_clients: int, seconds: float, log_name: str, serial: int
) -> dict[str, Any]:
    """Serve ``tree``'s hub on a demo instance in ``folder``, warm it, load it; the figures."""
    print(f"--- {tree} ---", flush=True)
    env, demo_output = demo_instance(tree, folder)
    with gunicorn(env, folder / log_name, workers=2, threads=THREADS, tree=tree) as server:
        people = personas(server.port, demo_output)
        for person in people:
            discover(person)
            print(f"  {person.label}: {len(person.materials)} materials on 3 browse pages, "
                  f"{len(person.downloads)} downloads on the first 20")  # fmt: skip
        clients = [people[i % len(people)].client.like() for i in range(n_clients)]
        step = step_for(people, clients, search_words())
        load(clients, step, seconds=min(5.0, seconds / 4), max_requests=10_000)  # warm-up
        # One at a time first, while nothing else runs in the workers.
        cost = serial_cost(server.workers(), people, search_words(), serial)
        tally = load(clients, step, seconds=seconds, max_requests=int(seconds) * 2_000)
        for client in clients:
            client.close()
    return {**report(tally, n_clients), "cpu_ms_per_request": cost}


def serial_cost(
    workers: list[int], people: list[Persona], words: list[str], per_kind: int
) -> dict[str, float]:
    """The workers' CPU time per request of each kind, one request at a time (the personas
    in turn): what a request costs the server, whatever the machine's load and the clients'
    own share of it. Weighted by the mix, "mix"."""
    clients = [person.client.like() for person in people]
    step = step_for(people, clients, words)
    cost: dict[str, float] = {}
    for kind in MIX:
        done, n = 0, 0
        before = cpu_seconds(workers)
        while done < per_kind and n < per_kind * 50:
            client = clients[n % len(clients)]
            n += 1
            if step(client, n, kind)[0] == kind:
                done += 1
        cost[kind] = round((cpu_seconds(workers) - before) * 1000 / max(done, 1), 2)
    for client in clients:
        client.close()
    cost["mix"] = round(sum(cost[k] * share for k, share in MIX.items()), 2)
    print("  server CPU per request, one at a time (ms): "
          + ", ".join(f"{k} {v}" for k, v in cost.items()))  # fmt: skip
    return cost


def report(tally: Tally, n_clients: int) -> dict[str, Any]:
    """Print and return requests/s, latency per kind and overall, and answers by status."""
    out: dict[str, Any] = {
        "clients": n_clients,
        "seconds": round(tally.seconds, 1),
        "requests": tally.count,
        "requests_per_s": round(tally.per_second(), 1),
    }
    print(f"  {tally.count:,} requests in {tally.seconds:.1f} s = {tally.per_second():,.1f}/s "
          f"with {n_clients} clients")  # fmt: skip
    print(f"  {'kind':<16}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    rows = [*sorted(tally.latencies.items()), ("overall", tally.everything())]
    for kind, values in rows:
        figures = {q: round(pct(values, v), 1) for q, v in (("p50", .5), ("p95", .95),
                                                              ("p99", .99))}  # fmt: skip
        statuses = tally.statuses.get(kind) or dict(
            sum((Counter(s) for s in tally.statuses.values()), Counter())
        )
        out[kind] = {"count": len(values), **{f"{q}_ms": v for q, v in figures.items()},
                     "statuses": statuses}  # fmt: skip
        print(f"  {kind:<16}{len(values):>7}{figures['p50']:>9.1f}{figures['p95']:>9.1f}"
              f"{figures['p99']:>9.1f}  {statuses}")  # fmt: skip
    unexpected = {
        kind: {s: n for s, n in by.items() if s != str(EXPECTED.get(kind, 200))}
        for kind, by in tally.statuses.items()
    }
    out["unexpected_statuses"] = {k: v for k, v in unexpected.items() if v}
    out["failures"] = tally.server_errors()
    if out["failures"]:
        print(f"  FAILURE: {out['failures']} answers with a 5xx status or none at all")
    if out["unexpected_statuses"]:
        print(f"  unexpected statuses by kind: {out['unexpected_statuses']}")
    return out


# --- py-spy's stacks -------------------------------------------------------------------------

VIEW_FRAME = re.compile(r"^show \(.*hub/web/materials\.py")
HUB_FRAME = re.compile(r"\((\S*/)?hub/")  # a frame in the hub's own code


def material_page_frames(folded: Path, top: int = 10) -> dict[str, list[tuple[str, float]]]:
    """The top frames of material pages in py-spy's collapsed stacks (``--format raw``):
    share of the page's samples by own time, by time including callees, and the same for
    the hub's own functions alone."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in folded.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        at = next((i for i, f in enumerate(frames) if VIEW_FRAME.match(f)), None)
        if at is None or not count.isdigit():
            continue
        n = int(count)
        total += n
        own[frames[-1]] += n
        for frame in set(frames[at:]):
            inclusive[frame] += n
    share = 100 / total if total else 0.0
    return {
        "samples": [("material page samples", float(total))],
        "own": [(f, round(n * share, 1)) for f, n in own.most_common(top)],
        "inclusive": [(f, round(n * share, 1)) for f, n in inclusive.most_common(top + 1)[1:]],
        "inclusive_hub": [
            (f, round(n * share, 1))
            for f, n in inclusive.most_common()
            if HUB_FRAME.search(f) and not VIEW_FRAME.match(f)
        ][:top],
    }


def print_frames(folded: Path) -> None:
    """Print :func:`material_page_frames` and its JSON."""
    frames = material_page_frames(folded)
    print(f"{frames['samples'][0][1]:.0f} samples in GET /materials/<id>")
    for name in ("own", "inclusive", "inclusive_hub"):
        print(f"top frames by {name} time (% of the page's samples):")
        for frame, percent in frames[name]:
            print(f"  {percent:5.1f}%  {frame}")
    print(json.dumps(frames))


# --- the run ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Parse the options; load this tree (and the baseline); print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 clients for 10 s")
    parser.add_argument("--clients", type=int, help="client threads (default 32, quick 8)")
    parser.add_argument("--seconds", type=float, help="length of the load (default 60, quick 10)")
    parser.add_argument("--baseline", type=Path, help="another checkout to load the same way")
    parser.add_argument("--frames", type=Path, help="print a material page's top frames from "
                        "py-spy's collapsed stacks, and stop")  # fmt: skip
    args = parser.parse_args(argv)
    if args.frames:
        print_frames(args.frames)
        return
    if args.baseline and not (args.baseline / "wsgi.py").is_file():
        parser.error(f"--baseline: {args.baseline} is not a checkout of the hub")
    n_clients = args.clients or (8 if args.quick else 32)
    seconds = args.seconds or (10.0 if args.quick else 60.0)
    figures: dict[str, Any] = {"loadavg_1min_before": round(os.getloadavg()[0], 2)}
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        serial = 40 if args.quick else 200
        figures["current"] = measure(
            ROOT, folder / "current", n_clients, seconds, "current.log", serial
        )
        if args.baseline:
            figures["baseline"] = measure(
                args.baseline.resolve(), folder / "baseline", n_clients, seconds,
                "baseline.log", serial,
            )  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    figures.update(comparison(figures))
    figures["loadavg_1min_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures))


def comparison(figures: dict[str, Any]) -> dict[str, Any]:
    """This tree against the baseline (when there is one), and the targets."""
    now, base = figures["current"], figures.get("baseline")
    p95 = now["overall"]["p95_ms"]
    out: dict[str, Any] = {}
    met = {"p95_under_500ms": p95 < TARGET_P95_MS, "no_5xx": now["failures"] == 0}
    if base:
        throughput = now["requests_per_s"] / base["requests_per_s"]
        out["throughput_ratio_vs_baseline"] = round(throughput, 2)
        out["p95_ratio_vs_baseline"] = round(p95 / base["overall"]["p95_ms"], 2)
        met["throughput_ge_3x_baseline"] = throughput >= TARGET_RATIO
        cpu = now["cpu_ms_per_request"]["mix"] / base["cpu_ms_per_request"]["mix"]
        out["cpu_per_request_ratio_vs_baseline"] = round(cpu, 2)
        print(f"server CPU per request of the mix, this tree / baseline: {cpu:.2f}x "
              f"({now['cpu_ms_per_request']['mix']} ms against "
              f"{base['cpu_ms_per_request']['mix']} ms)")  # fmt: skip
        print(f"this tree / baseline: throughput {throughput:.2f}x (target >= {TARGET_RATIO}x), "
              f"p95 {out['p95_ratio_vs_baseline']}x ({p95:.0f} ms against "
              f"{base['overall']['p95_ms']:.0f} ms)")  # fmt: skip
    print(f"p95 {p95:.0f} ms (target < {TARGET_P95_MS:.0f} ms); 5xx or unanswered: "
          f"{now['failures']}")  # fmt: skip
    out["targets_met"] = met
    return out


if __name__ == "__main__":
    exit_on_signals()
    main()
