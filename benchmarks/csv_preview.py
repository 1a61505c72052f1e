"""Benchmark: preview (and then invite) a CSV of 10,000 people against a populated school.

Target (issue 3): the preview of 10,000 rows in under 5 s on this machine. The baseline is
reading the same file with the standard ``csv`` module, measured in the same run.

    python -m benchmarks.csv_preview [--quick]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from hub import db, migrate
from hub.models import Role
from hub.services import accounts, bulk_invite
from hub.services.schools import create_school


def make_csv(rows: int, existing: int) -> bytes:
    """Rows of which ~5% invalid, ~5% duplicates, ``existing`` already members."""
    out = io.StringIO()
    out.write("email;name;role\n")
    for i in range(rows):
        if i < existing:
            email = f"member{i}@bench.example.org"
        elif i % 20 == 0:
            email = f"broken-{i}"
        elif i % 20 == 3:
            email = f"person{i - 1}@bench.example.org"  # the row above again
        else:
            email = f"person{i}@bench.example.org"
        role = ("student", "teacher", "school admin")[i % 3]
        out.write(f"{email};Person Number {i};{role}\n")
    return out.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1,000 rows instead of 10,000")
    args = parser.parse_args()
    rows = 1_000 if args.quick else 10_000
    existing = rows // 5
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        migrate.upgrade(url)
        database = db.Database(url)
        with Session(database.engine) as session:
            school = create_school(session, name="Bench School", country="KE", languages=["en"])
            password_hash = accounts.hash_password("benchmark-password")
            for i in range(existing):
                accounts.create_person(
                    session,
                    email=f"member{i}@bench.example.org",
                    name=f"Member {i}",
                    password="benchmark-password",
                    password_hash=password_hash,
                    role=Role.STUDENT,
                    school=school,
                )
            session.commit()
            admin = accounts.create_person(
                session,
                email="admin@bench.example.org",
                name="Admin",
                password="benchmark-password",
                password_hash=password_hash,
                role=Role.SCHOOL_ADMIN,
                school=school,
            )
            session.commit()
            data = make_csv(rows, existing)

            start = time.perf_counter()
            baseline_rows = sum(1 for _ in csv.reader(io.StringIO(data.decode()), delimiter=";"))
            baseline_s = time.perf_counter() - start

            start = time.perf_counter()
            preview = bulk_invite.preview(session, school, data)
            preview_s = time.perf_counter() - start
            counts = {v.value: n for v, n in preview.counts().items() if n}
            print(f"preview of {rows:,} rows: {preview_s:.3f} s ({counts})")

            start = time.perf_counter()
            issued = bulk_invite.invite_all(session, admin, school, data)
            session.commit()
            invite_s = time.perf_counter() - start
            print(f"invite {len(issued):,} people in one transaction: {invite_s:.3f} s")
        database.engine.dispose()
    print(
        json.dumps(
            {
                "rows": rows,
                "baseline_rows": baseline_rows - 1,
                "preview_seconds": round(preview_s, 3),
                "preview_target_seconds": 5.0,
                "preview_within_target": preview_s < 5.0,
                "csv_parse_seconds": round(baseline_s, 4),
                "preview_vs_csv_parse_ratio": round(preview_s / baseline_s, 1),
                "invite_seconds": round(invite_s, 3),
                "invited": len(issued),
            }
        )
    )


if __name__ == "__main__":
    main()
