"""Work done apart from the moment that asked for it: text extraction, preview rendering,
index catch-up, mail and the monthly digests.

There is one way in: :func:`enqueue` (``name``, plain arguments, and the session whose commit
the job must wait for). With ``HUB_REDIS_URL`` set, the job goes on an RQ queue in Redis and a
``hub worker`` process runs it, trying a failed job again up to ``RETRIES`` times; a job that
fails every try stays in RQ's failed job registry, which consortium admins see as the
dead-letter list (``/consortium/jobs``) and may run again or delete. Without Redis the job runs
here, in this process, as the hub always did: at once, or once ``after`` has committed, and a
failure is logged (the change that asked for it is saved all the same).

The jobs themselves are plain functions in :mod:`hub.tasks`, registered by name. They take ids
and plain values — never ORM objects, which belong to the session that loaded them — and open
their own session.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_app_context
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from .services.after_commit import call_after_commit

log = logging.getLogger("hub.jobs")

#: The queue the hub's jobs go on (one: a worker takes them in the order they came).
QUEUE = "hub"
#: How many times a failed job is tried again before it is kept as a dead letter.
RETRIES = 3
#: Longest a job may run (an office document's conversion takes up to two minutes).
TIMEOUT_S = 600
#: How long a dead letter is kept (RQ forgets failed jobs after this).
KEPT_S = 30 * 24 * 3600


class JobFailed(Exception):
    """A job could not do its work; with Redis the worker tries it again, then keeps it."""


@dataclass(frozen=True)
class Ticket:
    """What became of an enqueued job: queued in Redis (``job_id``), or run here with its
    ``result`` or the ``error`` it raised (logged, never raised to the caller)."""

    job_id: str | None = None
    result: Any = None
    error: BaseException | None = None

    @property
    def queued(self) -> bool:
        """Whether a worker will run it (Redis) rather than this process having run it."""
        return self.job_id is not None


def _jobs() -> dict[str, Callable[..., Any]]:
    # Imported when first needed: the tasks use the services, which enqueue through here.
    tasks = importlib.import_module("hub.tasks")
    jobs: dict[str, Callable[..., Any]] = tasks.JOBS
    return jobs


def enqueue(name: str, *args: Any, after: Session | None = None) -> Ticket:
    """Run the job ``name`` with ``args`` (plain values: ids, text) in a worker when
    ``HUB_REDIS_URL`` is set, otherwise here and now.

    With ``after``, nothing happens until that session's transaction commits (and nothing
    at all if it rolls back): the job must find what the transaction saved. The returned
    ticket is then empty, since the job has not been handed on yet.
    """
    if name not in _jobs():
        raise ValueError(f"no job is named {name!r}")
    app: Flask | None = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]
    if after is not None:

        def dispatch() -> None:
            _dispatch(app, name, args)

        call_after_commit(after, dispatch)
        return Ticket()
    return _dispatch(app, name, args)


def _dispatch(app: Flask | None, name: str, args: tuple[Any, ...]) -> Ticket:
    if app is None:
        # Services called outside any application (a script, some tests) have no store,
        # index or mail to work with.
        log.warning("job %s not run: no application", describe(name, args))
        return Ticket()
    if app.config.get("HUB_REDIS_URL"):
        try:
            job = queue_for(app).enqueue(
                perform,
                name,
                *args,
                retry=_retry(app),
                description=describe(name, args),
                job_timeout=TIMEOUT_S,
                failure_ttl=KEPT_S,
            )
            return Ticket(job_id=job.id)
        except (RedisError, OSError):  # Redis unreachable: the work is still done, here
            log.exception("could not queue job %s in Redis; running it here", name)
    return _run_here(app, name, args)


def _run_here(app: Flask, name: str, args: tuple[Any, ...]) -> Ticket:
    try:
        if has_app_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]
            # In the caller's own context: what the job commits is seen by the request's
            # teardown (the index catch-up) as if the request had done it.
            return Ticket(result=perform(name, *args))
        with app.app_context():
            return Ticket(result=perform(name, *args))
    except Exception as exc:  # noqa: BLE001 - logged; the change that asked for it is saved
        log.exception("job %s failed", describe(name, args))
        return Ticket(error=exc)


def perform(name: str, *args: Any) -> Any:
    """Run the job ``name`` in the current application context (what a worker calls)."""
    return _jobs()[name](*args)


def arguments_shown(name: str, args: Sequence[Any]) -> str:
    """A job's arguments as the log and the dead-letter list show them: a mail's body (a
    password reset link...) stays hidden, as does any argument a job keeps to itself."""
    shown = importlib.import_module("hub.tasks").SHOWN_ARGUMENTS.get(name, len(args))
    words = [repr(a) for a in args[:shown]] + ["…"] * (len(args) > shown)
    return ", ".join(words)


def describe(name: str, args: Sequence[Any]) -> str:
    """A job in words for the log: its name and the arguments it shows."""
    return f"{name}({arguments_shown(name, args)})"


# Redis ----------------------------------------------------------------------------------------


def redis_for(app: Flask) -> Any:
    """The app's Redis connection (made once per process)."""
    from redis import Redis

    connection = app.extensions.get("hub.redis")
    if connection is None:
        connection = Redis.from_url(app.config["HUB_REDIS_URL"])
        app.extensions["hub.redis"] = connection
    return connection


def queue_for(app: Flask) -> Any:
    """The RQ queue of the app's jobs."""
    from rq import Queue

    return Queue(QUEUE, connection=redis_for(app))


def _retry(app: Flask) -> Any:
    from rq import Retry

    # The waits before each new try: HUB_JOB_RETRY_INTERVALS (see hub.config).
    return Retry(max=RETRIES, interval=list(app.config["HUB_JOB_RETRY_INTERVALS"]))


# The worker -----------------------------------------------------------------------------------


def work(app: Flask, *, burst: bool = False) -> bool:
    """Run the app's jobs until stopped (or, with ``burst``, until the queue is empty).

    One job at a time, in this process (several workers run several at once): a job opens
    its own session and runs in the app's context. Jobs waiting to be tried again are
    moved back to the queue when their time comes. Whether any job was run.
    """
    from rq import SimpleWorker

    class HubWorker(SimpleWorker):
        def perform_job(self, *args: Any, **kwargs: Any) -> bool:
            # (job, queue) in RQ 2, (job, queue, execution) in RQ 3: passed on as they come.
            with app.app_context():
                done: bool = super().perform_job(*args, **kwargs)
                return done

        def subscribe(self) -> None:
            # RQ's own listens for commands (`rq suspend`...) in 60-second waits, and its end
            # waits for the last one: a worker would take a minute to stop. One second here
            # (the same calls; private to RQ, hence rq<4 in the dependencies).
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
                sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
            )

    worker = HubWorker([queue_for(app)], connection=redis_for(app))
    ran: bool = worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    return ran


# The dead-letter list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadLetter:
    """A job that failed every try: what it was, why it failed (the error's last line), when."""

    id: str
    name: str
    arguments: str
    error: str
    failed_at: dt.datetime | None


def dead_letters(app: Flask) -> list[DeadLetter]:
    """The jobs that failed every try, newest first (none without Redis)."""
    if not app.config.get("HUB_REDIS_URL"):
        return []
    from rq.job import Job

    registry = queue_for(app).failed_job_registry
    ids = registry.get_job_ids(desc=True)
    letters = []
    for job in Job.fetch_many(ids, connection=redis_for(app)):
        if job is None:
            continue  # expired between the two reads
        name, *args = job.args or ("?",)
        result = job.latest_result()
        text = (result.exc_string if result is not None else None) or job.exc_info or ""
        lines = [line for line in text.strip().splitlines() if line.strip()]
        letters.append(
            DeadLetter(
                id=job.id,
                name=str(name),
                arguments=arguments_shown(str(name), args),
                error=lines[-1] if lines else "",
                failed_at=job.ended_at,
            )
        )
    return letters


def retry_dead_letter(app: Flask, job_id: str) -> bool:
    """Put a dead letter back on the queue, to be run once more (a new failure brings it
    back here); False if there is none such (already retried or deleted)."""
    from rq.exceptions import InvalidJobOperation, NoSuchJobError

    registry = queue_for(app).failed_job_registry
    if job_id not in registry.get_job_ids():
        return False
    try:
        registry.requeue(job_id)
    except (InvalidJobOperation, NoSuchJobError):
        return False
    return True


def delete_dead_letter(app: Flask, job_id: str) -> bool:
    """Forget a dead letter for good; False if there is none such."""
    registry = queue_for(app).failed_job_registry
    if job_id not in registry.get_job_ids():
        return False
    registry.remove(job_id, delete_job=True)
    return True
