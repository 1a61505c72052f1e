"""The ``hub`` command: database, demo data, admins and serving.

Each command exits non-zero with a one-line reason on failure.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
import sys
import time

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from content_store import ContentStore, ContentStoreError

from . import db, migrate
from .models import Role
from .services import accounts
from .services.errors import ServiceError


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.group("db", help="Create or migrate the database.")
def db_group() -> None:
    """Database commands."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create the database or migrate it to the newest schema."""
    url = current_app.config["HUB_DATABASE_URL"]
    try:
        migrate.upgrade(url)
    except OperationalError as exc:
        _fail(f"cannot reach the database at {db.database().engine.url!r}: {exc.orig}")
    click.echo("Database is up to date.")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo consortium (idempotent) and print its sign-ins."""
    from .services import demo
    from .services.demo_materials import load_demo_materials
    from .storage import store

    s = db.session()
    try:
        summary = demo.load_demo(s)
        s.commit()
        added = load_demo_materials(s, store())
        s.commit()
    except OperationalError as exc:
        s.rollback()
        _fail(f"the database is not ready ({exc.orig}); run `hub db upgrade` first")
    except ContentStoreError as exc:
        s.rollback()
        _fail(f"cannot store the demo files: {exc}")
    from .search import catch_up_now

    catch_up_now(current_app._get_current_object(), lock_timeout=30)  # type: ignore[attr-defined]
    click.echo(summary.describe())
    if added.materials:
        click.echo(
            f"Added {added.materials} materials ({added.versions} versions, "
            f"{added.files} files) and {added.modules} modules, with {added.uses} uses over "
            "twelve months."
        )
    if added.submissions:
        click.echo(
            f"Added a peer review history: {added.submissions} submissions at every stage "
            "(accepted, in review, returned, revision, declined)."
        )


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Consortium admin", show_default=True)
@click.option(
    "--password",
    envvar="HUB_ADMIN_PASSWORD",
    help="Read from HUB_ADMIN_PASSWORD or asked for when not given.",
)
@with_appcontext
def create_admin(email: str, name: str, password: str | None) -> None:
    """Create a consortium admin with EMAIL."""
    if password is None:
        if not sys.stdin.isatty():
            _fail("no password given: pass --password or set HUB_ADMIN_PASSWORD")
        password = getpass.getpass("Password: ")
    s = db.session()
    try:
        person = accounts.create_person(
            s, email=email, name=name, password=password, role=Role.CONSORTIUM_ADMIN, school=None
        )
        s.commit()
    except ServiceError as exc:
        s.rollback()
        _fail(exc.message)
    except SQLAlchemyError as exc:
        s.rollback()
        _fail(f"could not write to the database ({type(exc).__name__}); run `hub db upgrade` first")
    click.echo(f"Consortium admin {person.email} created.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int, threads: int) -> None:
    """Run the hub and print its URL (gunicorn when installed, else Werkzeug)."""
    from . import ServiceUnavailable, check_services, prepare_worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        check_services(app)
    except ServiceUnavailable as exc:
        _fail(str(exc))
    url = f"http://{host}:{port}/"
    _start_follower(app)
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:
        click.echo(f"The hub is running at {url}  (Ctrl+C stops it)")
        app.run(host=host, port=port, threaded=True, use_reloader=False)
        return

    class _Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", 1)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")

        def load(self) -> Flask:
            prepare_worker(app)  # in the worker process, after the fork
            return app

    click.echo(f"The hub is running at {url}  (Ctrl+C stops it)")
    _Server().run()


class Counter:
    """Progress of a job of unknown length: a count on stderr, refreshed twice a second."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.done = 0
        self._shown = 0.0

    def __enter__(self) -> Counter:
        return self

    def __call__(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._shown > 0.5:
            self._shown = now
            click.echo(f"\r{self.label}: {self.done:,}", nl=False, err=True)

    def __exit__(self, *_exc: object) -> None:
        click.echo(f"\r{self.label}: {self.done:,} done.", err=True)


@click.group("store", help="Check and tidy the content store.")
def store_group() -> None:
    """Content store commands."""


def _open_store() -> ContentStore:
    from .storage import store

    blob_store = store()
    try:
        blob_store.check()
    except ContentStoreError as exc:
        _fail(str(exc))
    return blob_store


@store_group.command("check")
@click.option("--no-verify", is_flag=True, help="Skip reading every blob to check its hash.")
@with_appcontext
def store_check(no_verify: bool) -> None:
    """Find records without blob, blobs without record and checksum mismatches."""
    from .services.store_check import check_store

    blob_store = _open_store()
    with click.progressbar(length=0, label="Checking blobs", show_pos=True, file=sys.stderr) as bar:
        report = check_store(db.session(), blob_store, verify=not no_verify, progress=bar.update)
    for line in report.lines():
        click.echo(line)
    if not report.clean:
        _fail(
            f"{report.problems} problems found; `hub store collect` removes orphan blobs and "
            "abandoned uploads older than the grace period, records without blob need the "
            "file uploaded again"
        )
    click.echo("The content store is consistent.")


@store_group.command("collect")
@click.option(
    "--grace-hours",
    default=24.0,
    show_default=True,
    type=float,
    help="Only blobs without record older than this are removed.",
)
@with_appcontext
def store_collect(grace_hours: float) -> None:
    """Remove blobs that no file record names, once older than the grace period."""
    import datetime as dt

    from .services.store_check import collect_orphans

    if grace_hours < 1:
        _fail("--grace-hours must be at least 1 (uploads in progress must survive)")
    blob_store = _open_store()
    with click.progressbar(length=0, label="Scanning blobs", show_pos=True, file=sys.stderr) as bar:
        removed = collect_orphans(
            db.session(), blob_store, grace=dt.timedelta(hours=grace_hours), progress=bar.update
        )
    for info in removed:
        click.echo(f"removed {info.sha256} ({info.size} bytes)")
    click.echo(f"{len(removed)} orphan blobs removed.")


@click.group("index", help="Build, follow and check the search index.")
def index_group() -> None:
    """Search index commands."""


@index_group.command("rebuild")
@with_appcontext
def index_rebuild() -> None:
    """Build a new index of every material and swap it in (searches go on meanwhile)."""
    from search_index import SearchIndexError
    from search_index.engine import describe_url

    from .search import search_url
    from .services import indexing, version_text
    from .storage import store_for

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    url = search_url(app)
    where = describe_url(url)
    with click.progressbar(
        length=1, label="Indexing materials", file=sys.stderr, show_pos=True
    ) as bar:

        def progress(done: int, total: int | None) -> None:
            bar.length = max(total or done, 1)
            bar.update(done - bar.pos)

        session = db.session()
        # Text the store could not give before is read now, so the new index holds it.
        version_text.read_again(session, store_for(app), due_only=False, limit=None)
        session.commit()
        try:
            rebuilt = indexing.rebuild(session, url, progress=progress)
        except (SearchIndexError, OSError) as exc:
            _fail(f"could not rebuild the index in {where}: {exc}")
    click.echo(
        f"The index in {where} holds {rebuilt.doc_count()} materials "
        f"(outbox position {rebuilt.position})."
    )
    rebuilt.close()


@index_group.command("follow")
@click.option("--once", is_flag=True, help="Apply what is pending and stop.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
@with_appcontext
def index_follow(once: bool, interval: float) -> None:
    """Apply the outbox to this host's index copy, and keep doing so (one writer per copy)."""
    from search_index import IndexBusy, SearchIndexError

    from .models import utcnow
    from .search import index_for
    from .services import indexing

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        index = index_for(app)
        click.echo(f"Following the outbox into {index.location} (at position {index.position}).")
    except (SearchIndexError, OSError) as exc:
        _fail(f"cannot open the index: {exc}")
    last_sweep = utcnow()
    while True:
        session = db.database(app).new_session()
        try:
            last_sweep = _between_rounds(app, session, last_sweep)
            applied = indexing.catch_up(session, index, lock_timeout=30)
            if applied:
                click.echo(f"applied {applied} changes; position {index.position}")
        except IndexBusy as exc:
            click.echo(f"waiting: {exc}", err=True)
        except (SearchIndexError, OSError) as exc:
            _fail(f"cannot update the index: {exc}; run `hub index rebuild`")
        finally:
            session.close()
        if once:
            return
        time.sleep(interval)


@index_group.command("check")
@with_appcontext
def index_check() -> None:
    """Report materials missing, stale or extra in the index (exit 1 on any)."""
    from search_index import SearchIndexError

    from .search import index_for
    from .services import indexing

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        report = index_for(app).check(indexing.expected_fingerprints(db.session()))
    except (SearchIndexError, OSError) as exc:
        _fail(f"cannot read the index: {exc}; run `hub index rebuild`")
    for name in ("missing", "stale", "extra"):
        items = getattr(report, name)
        if items:
            click.echo(
                f"{len(items)} {name}: {', '.join(items[:20])}"
                + (" ..." if len(items) > 20 else "")
            )
    if not report.ok:
        _fail(
            "the index is out of step with the database; `hub index follow --once` applies "
            "pending changes, `hub index rebuild` starts afresh"
        )
    click.echo("The index matches the database.")


@click.group("digest", help="The monthly digest mail to school admins.")
def digest_group() -> None:
    """Digest commands."""


@digest_group.command("send")
@click.option("--month", help="The month to tell (YYYY-MM); by default the month that ended last.")
@click.option("--dry-run", is_flag=True, help="Print each mail instead of sending it.")
@click.option(
    "--base-url",
    envvar="HUB_BASE_URL",
    help="The hub's address as people reach it (https://hub.example.org), for the link to "
    "the dashboard; read from HUB_BASE_URL when not given.",
)
@with_appcontext
def digest_send(month: str | None, dry_run: bool, base_url: str | None) -> None:
    """Mail each admin of every active school the month's digest, once per month (with
    HUB_REDIS_URL, `hub worker` processes send them)."""
    from .services import digest

    chosen = _ended_month(month, digest.last_month())
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _address_links(app, base_url)
    # Links are built by the URL adapter an application context makes when it starts: a new
    # context, with the address just set.
    with app.app_context():
        if dry_run:
            _print_digests(chosen)
            click.echo(f"Dry run: nothing was sent for {chosen}.")
            return
        sent, failed, queued = _send_digests(chosen, base_url)
    if queued:
        click.echo(f"Digests of {chosen}: queued for {queued} schools; `hub worker` sends them.")
        return
    click.echo(f"Digests of {chosen}: {sent} sent.")
    if failed:
        _fail(
            f"{failed} digests could not be sent: check HUB_MAIL_SERVER and the log, then run "
            "`hub digest send` again (admins who had theirs are skipped)"
        )


@click.group("review", help="Peer review: reminders to reviewers.")
def review_group() -> None:
    """Peer review commands."""


@review_group.command("remind")
@click.option(
    "--base-url",
    envvar="HUB_BASE_URL",
    help="The hub's address as people reach it, for the links in the mail; read from "
    "HUB_BASE_URL when not given.",
)
@with_appcontext
def review_remind(base_url: str | None) -> None:
    """Mail reviewers whose review is due soon or overdue (once a day), and tell editors of
    newly overdue reviews. Run it daily; a second run the same day mails nothing."""
    from .services import review_views

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _address_links(app, base_url)
    with app.app_context():
        s = db.session()
        try:
            reminded, overdue = review_views.remind(s)
            s.commit()
        except SQLAlchemyError as exc:
            s.rollback()
            _fail(
                f"could not read or record the reminders ({type(exc).__name__}); "
                "run `hub db upgrade` first, then this command again"
            )
    click.echo(f"Reminders sent: {reminded}; editors told of overdue reviews: {overdue}.")


def _send_digests(month: str, base_url: str | None) -> tuple[int, int, int]:
    """Send each school's digest of ``month`` (a job per school, committed school by school
    so that a run stopped half-way resumes where it stopped); how many mails were sent and
    failed here, and how many schools' digests were queued for a worker."""
    from . import jobs
    from .services import digest
    from .tasks import DigestFailed

    try:
        # A session of its own, ended before the jobs begin theirs.
        with db.database().new_session() as session:
            schools = digest.schools_to_tell(session)
    except SQLAlchemyError as exc:
        _fail(f"could not read the schools ({type(exc).__name__}); run `hub db upgrade` first")
    sent = failed = queued = 0
    for school_id in schools:
        ticket = jobs.enqueue("digest", school_id, month, base_url)
        if ticket.queued:
            queued += 1
            continue
        error = ticket.error
        result = error.result if isinstance(error, DigestFailed) else ticket.result
        if result is None:
            _fail(
                f"could not read or record the digests ({type(error).__name__}); "
                "run `hub db upgrade` first, then this command again"
            )
        sent, failed = sent + result.sent, failed + result.failed
        if result.line:
            click.echo(result.line)
    return sent, failed, queued


def _ended_month(text: str | None, last: str) -> str:
    """The month asked for ('YYYY-MM', by default ``last``), if it has ended."""
    if text is None:
        return last
    month = text.strip()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        _fail(f"--month {text!r} is not a month: write it as YYYY-MM, e.g. {last}")
    if month > last:
        _fail(f"{month} has not ended yet: a digest tells a whole month, the last one is {last}")
    return month


def _address_links(app: Flask, base_url: str | None) -> None:
    """Links in mail need the hub's address, which a command (outside any request) is told."""
    from urllib.parse import urlsplit

    config = app.config
    if not base_url:
        if not config.get("SERVER_NAME"):
            _fail(
                "the mail links to the hub: give the hub's address with "
                "--base-url https://hub.example.org (or set HUB_BASE_URL)"
            )
        return
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        _fail(f"--base-url {base_url!r} is not an address like https://hub.example.org")
    from .tasks import link_config

    config.update(link_config(base_url))


def _print_digests(month: str) -> None:
    """Print each school's digest of ``month`` as it would be sent."""
    from .services import digest

    for school in digest.pending(db.session(), month):
        if not school.messages:
            reason = "all admins had it already" if school.already else "no active admin"
            click.echo(f"{school.school.name}: nothing to send ({reason})")
            continue
        click.echo(f"=== {school.school.name}: {len(school.messages)} to send")
        for message in school.messages:
            click.echo(f"--- To: {message.recipient.email} ({message.language})")
            click.echo(f"Subject: {message.subject}\n")
            click.echo(message.body)


def _between_rounds(app: Flask, session: Session, since: dt.datetime) -> dt.datetime:
    """What a follower does before applying the outbox: queue the materials whose time
    windows passed since ``since``, and read again the text of files the store could not
    give before. Returns the time it did so (the next round's ``since``)."""
    from .models import utcnow
    from .services import indexing, version_text
    from .storage import store_for

    now = utcnow()
    indexing.requeue_time_windows(session, since, now)
    version_text.read_again(session, store_for(app), now)
    session.commit()
    return now


def _start_follower(app: Flask, interval: float = 2.0) -> None:
    """Keep this single host's index copy following the outbox (`hub index follow` elsewhere)."""
    import threading

    from .search import catch_up_now

    def follow() -> None:
        from .models import utcnow

        last = utcnow()
        while True:
            session = db.database(app).new_session()
            try:
                last = _between_rounds(app, session, last)
            except Exception:  # noqa: BLE001 - the follower must outlive a bad moment
                app.logger.exception("index follower: could not queue time windows or texts")
            finally:
                session.close()
            catch_up_now(app, lock_timeout=5)
            time.sleep(interval)

    catch_up_now(app, lock_timeout=30)
    threading.Thread(target=follow, name="index-follower", daemon=True).start()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run the hub's jobs from Redis (HUB_REDIS_URL): text extraction, previews, index
    catch-up, mail and digests, each tried again when it fails."""
    from redis.exceptions import RedisError

    from . import jobs

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("HUB_REDIS_URL"):
        _fail("no HUB_REDIS_URL: without Redis, jobs run in the hub's own processes")
    try:
        jobs.work(app, burst=burst)
    except RedisError as exc:
        _fail(f"cannot use Redis (HUB_REDIS_URL): {exc}")


def register_cli(app: Flask) -> None:
    """Add the hub's commands to ``app.cli``."""
    app.cli.add_command(db_group)
    app.cli.add_command(index_group)
    app.cli.add_command(store_group)
    app.cli.add_command(digest_group)
    app.cli.add_command(review_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(create_admin)
    app.cli.add_command(serve)
    app.cli.add_command(worker_command)


def _create_app() -> Flask:
    from . import create_app
    from .config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def main() -> None:
    """Entry point of the ``hub`` console command."""
    os.environ.setdefault("FLASK_RUN_FROM_CLI", "false")
    cli = FlaskGroup(
        name="hub",
        create_app=_create_app,
        add_default_commands=False,
        add_version_option=False,
        load_dotenv=False,
        help="The consortium hub. Settings come from HUB_* environment variables (see README).",
    )
    cli.main(prog_name="hub")
