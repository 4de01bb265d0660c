"""Incident benchmarks: the time-limit sweep over 1M open incidents, and the intake rate.

    .venv/bin/python bench/incidents.py [--rows 1000000] [--url postgresql+psycopg://…/db]

Default: a fresh SQLite file in a temporary directory. With --url, an *empty* PostgreSQL database
(it is migrated and filled). Rows are generated in SQL (recursive CTE / generate_series). 1 % of
the rows have a threshold in the past at sweep time (10,000 for 1M: warnings, overdue, 0.1 %
escalations), the rest lie ahead; a second, quiet sweep shows the common per-minute case.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from xueliang.auth.principal import Principal
from xueliang.core.config import Environment, Settings
from xueliang.core.db import make_engine, session_factory, session_scope
from xueliang.core.migrate import upgrade
from xueliang.incident import intake
from xueliang.incident.enums import Source
from xueliang.incident.locator import NullLocator
from xueliang.incident.models import Category
from xueliang.incident.notify import InAppNotifier, Notifiers
from xueliang.incident.scheduled import sweep

NOW = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
COLUMNS = (
    "source, category_code, urgency, state, title, description, address, photos, attributes, "
    "self_handled, rework_count, returned_count, extension_count, reopen_count, supervision_count, "
    "created_at, updated_at, alert_level, suspended_seconds, department_id, clock_stage, "
    "clock_warn_at, clock_due_at, clock_escalate_at, next_alert_at"
)


def _fill_sqlite(conn: object, rows: int) -> None:
    ts = "strftime('%Y-%m-%d %H:%M:%S', '2026-03-09 02:00:00', ({m}) || ' minutes') || '.000000'"
    due = ts.format(m="(x % 1000) - 5")
    sql = f"""
    WITH RECURSIVE seq(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM seq WHERE x < {rows - 1})
    INSERT INTO incident ({COLUMNS})
    SELECT 'grid_worker', 'bench', 'normal', 'in_progress', '', 'bench', '', '[]', '{{}}',
           0, 0, 0, 0, 0, 0, '2026-03-01 00:00:00.000000', '2026-03-01 00:00:00.000000', 0, 0, NULL,
           'handle', {ts.format(m="(x % 1000) - 10")}, {due},
           CASE WHEN x % 1000 = 0 THEN {ts.format(m="-1")} ELSE {ts.format(m="(x % 1000) + 3000")} END,
           {ts.format(m="(x % 1000) - 10")}
    FROM seq"""
    conn.execute(text(sql))  # type: ignore[attr-defined]


def _fill_postgres(conn: object, rows: int) -> None:
    base = "timestamptz '2026-03-09 02:00:00+00'"
    sql = f"""
    INSERT INTO incident ({COLUMNS})
    SELECT 'grid_worker', 'bench', 'normal', 'in_progress', '', 'bench', '', '[]', '{{}}',
           false, 0, 0, 0, 0, 0, {base}, {base}, 0, 0, NULL, 'handle',
           {base} + ((x % 1000) - 10) * interval '1 minute',
           {base} + ((x % 1000) - 5) * interval '1 minute',
           CASE WHEN x % 1000 = 0 THEN {base} - interval '1 minute'
                ELSE {base} + ((x % 1000) + 3000) * interval '1 minute' END,
           {base} + ((x % 1000) - 10) * interval '1 minute'
    FROM generate_series(0, {rows - 1}) AS x"""
    conn.execute(text(sql))  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--url", default="")
    parser.add_argument("--intake", type=int, default=2000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="xl-bench-"))
    url = args.url or f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = session_factory(engine)
    with session_scope(factory) as db:
        db.add(Category(code="bench", name="bench", kind="city_management"))
    started = time.perf_counter()
    with engine.begin() as conn:
        (_fill_postgres if engine.dialect.name == "postgresql" else _fill_sqlite)(conn, args.rows)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    took = time.perf_counter() - started
    print(f"{engine.dialect.name}: {args.rows:,} open incidents generated in {took:.1f} s")
    for label, now in (("sweep (1 % due)", NOW), ("quiet sweep", NOW + timedelta(seconds=30))):
        with session_scope(factory) as db:
            t0 = time.perf_counter()
            result = sweep(db=db, notifiers=Notifiers([InAppNotifier()]), now=now)
            db.commit()
            print(f"{label}: {time.perf_counter() - t0:.3f} s ({result})")
    _bench_intake(factory, tmp, args.intake)


def _bench_intake(factory: object, tmp: Path, count: int) -> None:
    settings = Settings(env=Environment.test, data_dir=tmp, secret_key="b" * 64, database_url="sqlite://")
    principal = Principal.system("bench")
    t0 = time.perf_counter()
    for i in range(count):
        with session_scope(factory) as db:  # type: ignore[arg-type]
            new = intake.NewIncident(
                source=Source.hotline,
                category_code="bench",
                description="bench",
                external_no=f"B{i}",
                lon=112.9 + i * 1e-5,
                lat=28.2,
                reporter_phone="13800000000",
            )
            intake.create(db=db, settings=settings, principal=principal, locator=NullLocator(), new=new)
    elapsed = time.perf_counter() - t0
    rate = count / elapsed
    print(f"intake: {count} incidents (a transaction each, with audit) in {elapsed:.2f} s = {rate:.0f}/s")


if __name__ == "__main__":
    main()
