"""Assessment benchmark: a full-city monthly run over 1M incidents.

    .venv/bin/python bench/assessment.py [--rows 1000000] [--url postgresql+psycopg://…/empty_db]
        [--baseline-rows 100000]

Fills a fresh database (SQLite file by default; with --url an *empty* PostgreSQL database) with a
city of 3,135 grids (one grid worker each), 40 departments and ``--rows`` incidents spread over
the twelve months April 2025 – March 2026, with stage due/actual/on-time columns, dispatch and
return events, call-backs and a month of patrol days. Then generates March 2026 for five plans
(town, community, grid, grid worker, department), each with every indicator of its subject type,
and reports the time of each and of the whole run (goal ≤ 60 s).

Baseline: the same incident-column measures of the town plan computed in Python over fetched
rows (one loop per incident), on the first ``--baseline-rows`` incidents; its time per row × rows
against the engine's town run gives the ratio.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from sqlalchemy import Engine, insert, select, text

from xueliang.assessment import flows, service
from xueliang.assessment.enums import SubjectType
from xueliang.assessment.indicators import for_subject
from xueliang.assessment.models import PatrolDay, Plan
from xueliang.assessment.periods import Period
from xueliang.assessment.schemas import AssessmentPlanInput
from xueliang.auth.models import OrgUnit, User
from xueliang.auth.principal import Principal
from xueliang.core.config import Environment, Settings
from xueliang.core.db import make_engine, session_factory, session_scope
from xueliang.core.migrate import upgrade
from xueliang.grid.models import Grid, GridMember
from xueliang.incident.models import Callback, Category, Incident, IncidentEvent

GRIDS, DEPARTMENTS, CHUNK = 3135, 40, 50_000
START = datetime(2025, 3, 31, 16, 0, tzinfo=UTC)  # 2025-04-01 00:00 Asia/Shanghai
YEAR_S = 365 * 86400
MARCH = Period.parse("2026-03")
H = timedelta(hours=1)
STAGE_COLUMNS = [
    f"{s}_{p}" for s in ("dispatch", "sign", "handle", "verify") for p in ("due", "at", "on_time")
]
EMPTY: dict[str, Any] = dict.fromkeys(["first_dispatched_at", *STAGE_COLUMNS])


def _fill_city(engine: Engine) -> None:
    square = shapely.MultiPolygon([shapely.box(0, 0, 0.01, 0.01)])
    with engine.begin() as conn:
        conn.execute(
            insert(OrgUnit),
            [{"id": i, "code": f"d{i}", "name": f"部门{i}"} for i in range(1, DEPARTMENTS + 1)],
        )
        conn.execute(
            insert(User),
            [
                {"id": i, "username": f"w{i}", "display_name": f"网格员{i}", "password_hash": "x"}
                for i in range(1, GRIDS + 1)
            ],
        )
        conn.execute(
            insert(Grid),
            [
                {
                    "id": i,
                    "code": f"g{i}",
                    "name": f"网格{i}",
                    "geom": square,
                    "min_x": 0,
                    "min_y": 0,
                    "max_x": 0.01,
                    "max_y": 0.01,
                }
                for i in range(1, GRIDS + 1)
            ],
        )
        conn.execute(insert(GridMember), [{"grid_id": i, "user_id": i} for i in range(1, GRIDS + 1)])
        conn.execute(insert(Category), [{"code": "bench", "name": "bench"}])


def _incident(x: int, rows: int) -> dict[str, Any]:
    grid = x % GRIDS + 1
    reported = START + timedelta(seconds=(x * YEAR_S) // rows)
    accept = reported + timedelta(minutes=10 * (x % 7))
    dispatch = accept + timedelta(minutes=15 * (x % 5))
    sign = dispatch + timedelta(minutes=20 * (x % 11))
    handle = sign + 8 * H * (x % 13)
    verify = handle + 10 * H * (x % 3)
    kind = x % 100
    state = "closed" if kind < 85 else "in_progress" if kind < 92 else "void" if kind < 95 else "rejected"
    grid_worker = x % 3 == 0
    self_handled = grid_worker and x % 9 == 0
    done = state == "closed"
    row: dict[str, Any] = {
        "source": "grid_worker" if grid_worker else "hotline",
        "category_code": "bench",
        "state": state,
        "grid_id": grid,
        "community_code": str(430102000000 + (grid - 1) // 5),
        "town_code": str(430102000 + (grid - 1) // 52),
        "department_id": None if self_handled else x % DEPARTMENTS + 1,
        "reporter_user_id": grid if grid_worker else None,
        "self_handled": self_handled,
        "rework_count": int(x % 17 == 0),
        "returned_count": int(x % 29 == 0),
        "extension_count": int(x % 31 == 0),
        "reported_at": reported,
        "closed_at": verify if done or state in ("void", "rejected") else None,
        "accept_due": reported + H,
        "accept_at": accept,
        "accept_on_time": accept <= reported + H,
    }
    if not self_handled and state != "rejected":
        row |= {
            "first_dispatched_at": dispatch,
            "dispatch_due": accept + H,
            "dispatch_at": dispatch,
            "dispatch_on_time": dispatch <= accept + H,
            "sign_due": dispatch + 2 * H,
            "sign_at": sign,
            "sign_on_time": sign <= dispatch + 2 * H,
            "handle_due": dispatch + 120 * H,
        }
    if done:
        due = row.get("handle_due")
        row |= {
            "handle_at": handle,
            "handle_on_time": None if due is None else handle <= due,
            "verify_due": handle + 24 * H,
            "verify_at": verify,
            "verify_on_time": verify <= handle + 24 * H,
        }
    last = max(v for k, v in row.items() if isinstance(v, datetime) and not k.endswith("_due"))
    return row | {"created_at": reported, "updated_at": last}


def _fill_incidents(engine: Engine, rows: int) -> None:
    for first in range(0, rows, CHUNK):
        batch = [EMPTY | _incident(x, rows) | {"id": x + 1} for x in range(first, min(rows, first + CHUNK))]
        events, callbacks = [], []
        for row in batch:
            if row.get("dispatch_at"):
                events.append(
                    {
                        "incident_id": row["id"],
                        "at": row["dispatch_at"],
                        "actor_name": "b",
                        "action": "dispatch",
                        "data": {"department_id": row["department_id"]},
                    }
                )
            if row["returned_count"] and row.get("dispatch_at"):
                events.append(
                    {
                        "incident_id": row["id"],
                        "at": row["dispatch_at"] + H,
                        "actor_name": "b",
                        "action": "approve",
                        "data": {"kind": "return", "returned_by": row["department_id"]},
                    }
                )
            if row["source"] == "hotline" and row["state"] == "closed":
                satisfaction = ("satisfied", "basically_satisfied", "unsatisfied", "no_answer")[row["id"] % 4]
                callbacks.append(
                    {"incident_id": row["id"], "at": row["closed_at"], "satisfaction": satisfaction}
                )
        with engine.begin() as conn:
            conn.execute(insert(Incident), batch)
            conn.execute(insert(IncidentEvent), events)
            conn.execute(insert(Callback), callbacks)
    with engine.begin() as conn:
        days = [date(2026, 3, d) for d in range(1, 32) if date(2026, 3, d).weekday() < 5]
        conn.execute(
            insert(PatrolDay),
            [
                {"user_id": g, "grid_id": g, "day": d, "checkins": 2}
                for g in range(1, GRIDS + 1)
                for d in days
                if (g + d.day) % 7
            ],
        )
        if engine.dialect.name == "postgresql":
            for table in ("incident", "org_unit", "user_account", "incident_event", "incident_callback"):
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                conn.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))"))
        conn.execute(text("ANALYZE"))


def _plans(db: Any) -> list[Any]:
    plans = []
    for subject in (
        SubjectType.town,
        SubjectType.community,
        SubjectType.grid,
        SubjectType.grid_worker,
        SubjectType.department,
    ):
        codes = [i.code for i in for_subject(subject)]
        weights = {code: 0.0 for code in codes}
        rated = [c for c in codes if "_time_" not in c]
        for code in rated:
            weights[code] = round(100.0 / len(rated), 6)
        weights[rated[0]] += 100.0 - sum(weights.values())
        data = AssessmentPlanInput.model_validate(
            {
                "code": f"bench-{subject}",
                "name": f"bench {subject}",
                "subject_type": subject,
                "period_kind": "month",
                "weights": weights,
                "min_sample": 5,
            }
        )
        plans.append(service.create_plan(db=db, principal=Principal.system("bench"), data=data))
    return plans


def _baseline(engine: Engine, limit: int) -> tuple[float, int]:
    """Python over fetched rows: the town plan's incident-column measures, one loop per incident."""
    start, end = MARCH.window(ZoneInfo("Asia/Shanghai"))
    columns = [
        Incident.__table__.c[name]
        for name in (
            "town_code",
            "state",
            "source",
            "self_handled",
            "closed_at",
            "rework_count",
            "returned_count",
            "reopen_count",
            "extension_count",
            *(
                f"{s}_{p}"
                for s in ("accept", "dispatch", "sign", "handle", "verify")
                for p in ("due", "at", "on_time")
            ),
        )
    ]
    t0 = time.perf_counter()
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).where(Incident.id <= limit)).mappings().all()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def inside(value: datetime | None) -> bool:
        return value is not None and start <= value < end

    for r in rows:
        c = counts[r["town_code"]]
        if r["state"] in ("void", "merged"):
            continue
        registered = r["state"] != "rejected"
        closed_in = inside(r["closed_at"])
        due_close = registered and (
            closed_in or (inside(r["handle_due"]) and (r["closed_at"] is None or r["closed_at"] >= start))
        )
        closed = due_close and closed_in and r["state"] in ("closed", "archived")
        c["due_close"] += due_close
        c["closed"] += closed
        c["closed_on_time"] += closed and bool(r["handle_on_time"] or r["self_handled"])
        c["closed_first_time"] += (
            closed and r["rework_count"] == 0 and r["returned_count"] == 0 and r["reopen_count"] == 0
        )
        c["reworked"] += due_close and r["rework_count"] > 0
        c["extended"] += due_close and r["extension_count"] > 0
        c["dispatched"] += inside(r["dispatch_at"])
        c["dispatched_accurate"] += inside(r["dispatch_at"]) and r["returned_count"] == 0
        for stage in ("accept", "dispatch", "sign", "handle", "verify"):
            due, done = r[f"{stage}_due"], r[f"{stage}_at"]
            pop = due is not None and (inside(done) or (inside(due) and (done is None or done >= start)))
            c[f"{stage}_due"] += pop
            c[f"{stage}_done"] += pop and inside(done)
            c[f"{stage}_on_time"] += pop and inside(done) and bool(r[f"{stage}_on_time"])
    return time.perf_counter() - t0, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--url", default="")
    parser.add_argument("--baseline-rows", type=int, default=100_000)
    parser.add_argument("--reuse", default="", help="URL of a database an earlier run filled (skips filling)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="xl-bench-"))
    url = args.reuse or args.url or f"sqlite:///{tmp / 'bench.db'}"
    print(f"database: {url}")
    engine = make_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    if not args.reuse:
        _fill_city(engine)
        _fill_incidents(engine, args.rows)
        print(
            f"{engine.dialect.name}: {args.rows:,} incidents (12 months) generated "
            f"in {time.perf_counter() - t0:.0f} s"
        )
    settings = Settings(env=Environment.test, data_dir=tmp, secret_key="b" * 64, database_url=url)
    factory = session_factory(engine)
    with session_scope(factory) as db:
        plans = (
            _plans(db) if not args.reuse else list(db.scalars(select(Plan).where(Plan.code.like("bench-%"))))
        )
    total, town_seconds = 0.0, 0.0
    for plan in plans:
        with session_scope(factory) as db:
            started = time.perf_counter()
            run = flows.generate(
                db=db,
                plan=db.merge(plan),
                period=MARCH,
                principal=Principal.system("bench"),
                settings=settings,
            )
            took = time.perf_counter() - started
        total += took
        town_seconds = took if plan.subject_type == SubjectType.town else town_seconds
        print(
            f"  {plan.subject_type:<12} {len(plan.weights):>2} indicators, "
            f"{run.subjects:>5} subjects: {took:6.2f} s"
        )
    print(f"full-city monthly run (5 plans): {total:.1f} s (goal ≤ 60 s)")
    py_seconds, fetched = _baseline(engine, args.baseline_rows)
    per_row = py_seconds / max(fetched, 1)
    print(
        f"baseline (Python over fetched rows, town measures only): {fetched:,} rows in {py_seconds:.2f} s "
        f"→ {per_row * args.rows:.1f} s for {args.rows:,} rows; engine town plan {town_seconds:.2f} s "
        f"(ratio {per_row * args.rows / max(town_seconds, 1e-9):.1f}×)"
    )


if __name__ == "__main__":
    main()
