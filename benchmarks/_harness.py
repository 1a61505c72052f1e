"""What every benchmark needs around the hub: free ports, gunicorn in its own process group,
a keep-alive HTTP client that signs in, concurrent load, percentiles, memory and timing.

Only the hub's stable interfaces are used (its CLI, its pages, ``wsgi:app``), so that the
same helpers serve an older checkout (``chdir``) with this tree's virtual environment.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
CSRF_RE = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def wait_for(
    port: int, path: str = "/", timeout: float = 90, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Until ``GET path`` on ``port`` answers; raises if ``process`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            conn = http.client.HTTPConnection(LOOPBACK, port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing answered on port {port} in {timeout:.0f} s") from None
            time.sleep(0.2)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started with ``start_new_session`` and everything in its group."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # workers left behind by a crashed master
        os.killpg(process.pid, signal.SIGKILL)


def exit_on_signals() -> None:
    """SIGTERM and SIGHUP end the run as an exception would, so that servers are stopped."""

    def leave(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGHUP, leave)


def tree_env(env: dict[str, str], tree: Path) -> dict[str, str]:
    """``env`` with ``tree`` first on the import path, so that its ``hub`` is the one imported
    (this tree's virtual environment holds an editable install of another checkout)."""
    return dict(env, PYTHONPATH=os.pathsep.join([str(tree), env.get("PYTHONPATH", "")]).rstrip(":"))


def run_hub(env: dict[str, str], *args: str, tree: Path = ROOT) -> str:
    """``python -m hub ...`` of ``tree``; its output (raises with it on failure)."""
    done = subprocess.run(
        [sys.executable, "-m", "hub", *args],
        cwd=tree,
        env=tree_env(env, tree),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"hub {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def imported_from(env: dict[str, str], tree: Path, module: str = "hub") -> Path:
    """The folder ``module`` is imported from by a process started as the servers are."""
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}, sys; sys.stdout.write({module}.__file__)"],
        cwd=tree,
        env=tree_env(env, tree),
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout).resolve().parent.parent


@dataclass
class Server:
    """A running gunicorn: its port and master process."""

    port: int
    process: subprocess.Popen[bytes]

    def workers(self) -> list[int]:
        """Process ids of the workers (the master's children)."""
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str],
    log: Path | None = None,
    *,
    workers: int = 2,
    threads: int = 4,
    tree: Path = ROOT,
    timeout: int = 120,
) -> Iterator[Server]:
    """``wsgi:app`` of ``tree`` under gunicorn (gthread, as ``hub serve`` runs it) on a free
    loopback port, in its own process group; stopped with the group on leaving."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--chdir", str(tree), "-w", str(workers),
        "-k", "gthread", "--threads", str(threads), "-b", f"{LOOPBACK}:{port}",
        "--keep-alive", "30", "--timeout", str(timeout), "wsgi:app",
    ]  # fmt: skip
    with contextlib.ExitStack() as files:
        out = files.enter_context(log.open("wb")) if log else subprocess.DEVNULL
        process = subprocess.Popen(
            command,
            cwd=tree,
            env=tree_env(env, tree),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        try:
            wait_for(port, "/healthz", process=process)
        except RuntimeError as exc:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise RuntimeError(f"gunicorn did not start: {exc}\n{tail}") from None
        yield Server(port, process)
    finally:
        stop_group(process)


# --- HTTP ----------------------------------------------------------------------------------

Answer = tuple[int, dict[str, str], bytes]


class Client:
    """A browser-like client: cookies, the CSRF token, one keep-alive connection."""

    def __init__(self, port: int, timeout: float = 120) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self._conn: http.client.HTTPConnection | None = None

    def like(self) -> Client:
        """Another client of the same person (cookies and token copied), its own connection."""
        other = Client(self.port, self.timeout)
        other.cookies = dict(self.cookies)
        other.csrf = self.csrf
        return other

    def close(self) -> None:
        """Close the kept connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        *,
        fresh: bool = False,
    ) -> Answer:
        """Status, headers (lower-case names) and body. ``fresh``: a new connection."""
        all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        all_headers.update(headers or {})
        for attempt in range(2):
            reuse = not fresh and self._conn is not None
            conn = self._conn if reuse and self._conn is not None else self._connect()
            try:
                conn.request(method, path, body=body, headers=all_headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                self._conn = None
                if attempt or not reuse:
                    raise
                continue  # the server closed a kept connection: once more on a new one
            found = {k.lower(): v for k, v in response.getheaders()}
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            if fresh or response.will_close:
                conn.close()
                if not fresh:
                    self._conn = None
            else:
                self._conn = conn
            return response.status, found, data
        raise AssertionError("unreachable")

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)

    def form(self, path: str, fields: Sequence[tuple[str, str]]) -> tuple[int, dict[str, str]]:
        """POST a form with the CSRF token; status and headers."""
        body = urllib.parse.urlencode([("csrf_token", self.csrf), *fields])
        status, headers, _ = self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        return status, headers

    def sign_in(self, email: str, password: str) -> None:
        """Sign in through the form (the CSRF token taken from it)."""
        _, _, page = self.request("GET", "/sign-in")
        token = CSRF_RE.search(page)
        if token is None:
            raise RuntimeError("no CSRF token on the sign-in page")
        self.csrf = token.group(1).decode()
        status, _ = self.form("/sign-in", [("email", email), ("password", password)])
        if status != 302:
            raise RuntimeError(f"signing in as {email} failed: HTTP {status}")

    def curl_headers(self) -> list[str]:
        """Cookie and CSRF headers as curl arguments."""
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return ["-H", f"Cookie: {cookie}", "-H", f"X-CSRFToken: {self.csrf}"]


# --- concurrent load -----------------------------------------------------------------------


@dataclass
class Tally:
    """What a load run saw: latencies (s) and statuses by kind of request."""

    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, kind: str, status: str, elapsed: float) -> None:
        """One request's outcome (status: the HTTP code, or the error's name)."""
        self.latencies.setdefault(kind, []).append(elapsed)
        by_status = self.statuses.setdefault(kind, {})
        by_status[status] = by_status.get(status, 0) + 1

    @property
    def count(self) -> int:
        """Requests made."""
        return sum(len(v) for v in self.latencies.values())

    def everything(self) -> list[float]:
        """Every latency, of every kind."""
        return [x for values in self.latencies.values() for x in values]

    def per_second(self) -> float:
        """Requests answered per second of the run."""
        return self.count / self.seconds if self.seconds else 0.0

    def server_errors(self) -> int:
        """Answers with a 5xx status, and requests that got no answer."""
        return sum(
            n
            for by_status in self.statuses.values()
            for status, n in by_status.items()
            if not status.isdigit() or status.startswith("5")
        )


Step = Callable[[Client, int], tuple[str, int]]  # (kind, status) of the n-th request


def load(clients: Sequence[Client], step: Step, *, seconds: float, max_requests: int) -> Tally:
    """Each client in a thread of its own makes requests with ``step`` back to back, until
    ``seconds`` pass or ``max_requests`` were made in all."""
    tally = Tally()
    lock = threading.Lock()
    counter = iter(range(max_requests))
    deadline = time.monotonic() + seconds

    def work(client: Client) -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            start = time.perf_counter()
            try:
                kind, status = step(client, n)
                outcome = str(status)
            except (OSError, http.client.HTTPException) as exc:
                client.close()
                kind, outcome = "error", type(exc).__name__
            elapsed = time.perf_counter() - start
            with lock:
                tally.add(kind, outcome, elapsed)

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 150)  # a request may take up to the client's timeout
    tally.seconds = time.perf_counter() - start
    return tally


# --- figures -------------------------------------------------------------------------------


def pct(samples: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of ``samples`` (seconds) by linear interpolation, in ms."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return 1000 * (ordered[low] + (ordered[high] - ordered[low]) * (pos - low))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds ``fn`` took, and what it returned."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size so far of this process (or its children), in MiB."""
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def _status_mib(pid: int | str, key: str) -> float:
    """A memory line (``VmHWM``, ``VmRSS``) of a process's /proc status, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def process_peak_rss_mib(pid: int) -> float:
    """Peak resident memory (VmHWM) of another process, in MiB."""
    return _status_mib(pid, "VmHWM")


def rss_mib(pid: int | None = None) -> float:
    """Resident memory (VmRSS) of a process now (this one by default), in MiB."""
    return _status_mib(pid or "self", "VmRSS")


def reset_peak_rss(pid: int) -> None:
    """Start a new peak-RSS measurement (Linux: writing 5 to clear_refs resets VmHWM)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def cpu_seconds(pids: Sequence[int]) -> float:
    """CPU time (user and system) the processes have used so far, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        # Fields after the command's name (which may hold spaces): utime and stime are 14, 15.
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def folder_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (symbolic links not followed)."""
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total
