"""``xueliang grid import DIR``: the registry from the city simulator's files or from GeoJSON,
GeoPackage, Shapefile, CSV and XLSX files named after what they hold.

Each file is read as a stream and committed in batches; the batch and the file's checkpoint
(``grid_import_progress``) commit together, so a run that stops resumes after the last committed
row. A batch that hits a database constraint is rolled back and replayed row by row, and the rows
that fail are reported, so one bad row never stops a million. Every rejected, repaired, flagged
or reassigned row is written to the report (CSV: file, line, field, reason, action).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from xueliang.core.db import utcnow
from xueliang.grid.bulk import BulkWriter, create_secondary_indexes, drop_secondary_indexes
from xueliang.grid.coverage import check_grids
from xueliang.grid.loaders import AreaLoader, BatchContext, GridLoader, Loader, MemberLoader
from xueliang.grid.loaders_housing import BuildingLoader, RelationLoader, ResidentLoader, UnitLoader
from xueliang.grid.models import ImportProgress
from xueliang.grid.readers import GEO_SUFFIXES, TABLE_SUFFIXES, SourceRow, iter_rows
from xueliang.grid.state import ImportState
from xueliang.grid.validation import Rejected

REPORT_COLUMNS = ("file", "line", "field", "reason", "action")
DEFAULT_BATCH = 50_000
SQLITE_CACHE_KB = 512 * 1024
SQLITE_CHECKPOINT_PAGES = 16_384  # 64 MB of WAL between checkpoints during the import (default 4 MB)
# a SQLite import of at least this many bytes of building/housing/resident files builds the plain
# indexes of those tables once at the end instead of row by row (bulk.drop_secondary_indexes)
DEFER_INDEX_BYTES = 32 * 1024 * 1024
# (stems tried in order, suffixes, loader): the order is the order of dependencies
PLAN: tuple[tuple[tuple[str, ...], tuple[str, ...], type[Any]], ...] = (
    (("admin_areas",), GEO_SUFFIXES, AreaLoader),
    (("grids",), GEO_SUFFIXES, GridLoader),
    (("buildings",), TABLE_SUFFIXES + GEO_SUFFIXES, BuildingLoader),
    (("housing_units",), TABLE_SUFFIXES, UnitLoader),
    (("persons", "residents"), TABLE_SUFFIXES, ResidentLoader),
    (("person_housing", "resident_housing"), TABLE_SUFFIXES, RelationLoader),
    (("users", "grid_members"), TABLE_SUFFIXES, MemberLoader),
)


@dataclass
class FileSummary:
    file: str
    read: int = 0
    imported: int = 0
    rejected: int = 0
    noted: int = 0
    seconds: float = 0.0
    skipped: bool = False


@dataclass
class ImportSummary:
    files: list[FileSummary] = field(default_factory=list)
    coverage_issues: int = 0
    indexes_built: int = 0
    report: Path | None = None
    seconds: float = 0.0


class Report:
    """The rejected-rows report, appended to across resumed runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        fresh = not path.exists() or path.stat().st_size == 0
        self._handle = path.open("a", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle)
        if fresh:
            self._writer.writerow(REPORT_COLUMNS)
        self.current: FileSummary | None = None

    def write(self, file: str, line: int | str, field_name: str, reason: str, action: str) -> None:
        self._writer.writerow((file, line, field_name, reason, action))
        if self.current is not None:
            if action == "rejected":
                self.current.rejected += 1
            else:
                self.current.noted += 1

    def close(self) -> None:
        self._handle.close()


def find_sources(directory: Path) -> list[tuple[type[Any], list[Path]]]:
    found = []
    for stems, suffixes, loader in PLAN:
        paths = [directory / f"{s}{x}" for s in stems for x in suffixes if (directory / f"{s}{x}").is_file()]
        if loader is BuildingLoader and paths:
            found.append((loader, _building_pair(paths)))
        elif paths:
            found.append((loader, paths[:1]))
    return found


def _building_pair(paths: list[Path]) -> list[Path]:
    tables = [p for p in paths if p.suffix.lower() in TABLE_SUFFIXES]
    geos = [p for p in paths if p.suffix.lower() in GEO_SUFFIXES]
    return ([tables[0]] if tables else []) + ([geos[0]] if geos else [])


def _building_id(row: SourceRow) -> int:
    try:
        return int(row.props.get("building_id") or row.props.get("id") or -1)
    except (TypeError, ValueError):
        return -1


def _merged(attrs: Iterator[SourceRow], geos: Iterator[SourceRow]) -> Iterator[SourceRow]:
    """Attributes (CSV/XLSX) joined with footprints (geo file) by building_id; both sorted by id."""
    pending = next(geos, None)
    for row in attrs:
        key = _building_id(row)
        while pending is not None and _building_id(pending) < key:
            pending = next(geos, None)
        if pending is not None and _building_id(pending) == key:
            row.geom = pending.geom
            pending = next(geos, None)
        yield row


def source_rows(paths: list[Path]) -> Iterator[SourceRow]:
    if len(paths) == 2:
        return _merged(iter_rows(paths[0]), iter_rows(paths[1]))
    return iter_rows(paths[0])


def _manifest_rows(directory: Path) -> dict[str, int]:
    manifest = directory / "manifest.json"
    if not manifest.is_file():
        return {}
    try:
        files = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
        return {f["path"]: int(f["rows"]) for f in files}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


class Checkpoints:
    def __init__(self, conn: Connection, source: str) -> None:
        self.conn, self.source = conn, source

    def get(self, file: str) -> tuple[int, bool]:
        row = self.conn.execute(
            select(ImportProgress.line, ImportProgress.done).where(
                ImportProgress.source == self.source, ImportProgress.file == file
            )
        ).first()
        return (row.line, row.done) if row else (0, False)

    def set(self, file: str, line: int, done: bool) -> None:
        values = {"line": line, "done": done, "updated_at": utcnow()}
        where = (ImportProgress.source == self.source) & (ImportProgress.file == file)
        if self.conn.execute(update(ImportProgress).where(where).values(**values)).rowcount == 0:
            self.conn.execute(insert(ImportProgress).values(source=self.source, file=file, **values))


@dataclass
class Importer:
    engine: Engine
    directory: Path
    secret: str
    report_path: Path | None = None
    batch_size: int = DEFAULT_BATCH
    progress: bool = True

    def run(self) -> ImportSummary:
        started = time.perf_counter()
        summary = ImportSummary(report=self.report_path or self.directory / "import-report.csv")
        report = Report(summary.report)  # type: ignore[arg-type]
        try:
            with self.engine.connect() as conn:
                if conn.dialect.name != "sqlite":
                    self._run_files(conn, report, summary)
                else:
                    self._run_sqlite(conn, report, summary)
        finally:
            report.close()
        summary.seconds = time.perf_counter() - started
        return summary

    def _run_sqlite(self, conn: Connection, report: Report, summary: ImportSummary) -> None:
        # the default 2 MB page cache makes index look-ups of millions of rows seek on disk, and the
        # default 4 MB WAL checkpoints (each with an fsync) often; both restored for the pool after
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
        try:
            if self._bulk_bytes(conn) >= DEFER_INDEX_BYTES:
                drop_secondary_indexes(conn)
            self._run_files(conn, report, summary)
            # also restores the indexes of an earlier run that was interrupted
            summary.indexes_built = create_secondary_indexes(conn)
        finally:
            conn.rollback()
            conn.exec_driver_sql("PRAGMA cache_size=-2000")
            conn.exec_driver_sql("PRAGMA wal_autocheckpoint=1000")

    def _bulk_bytes(self, conn: Connection) -> int:
        """Size of the large files (buildings, housing units, residents, relations) still to import."""
        big = (BuildingLoader, UnitLoader, ResidentLoader, RelationLoader)
        checkpoints = Checkpoints(conn, str(self.directory.resolve()))
        pending = [
            paths for loader, paths in find_sources(self.directory)
            if loader in big and not checkpoints.get(paths[0].name)[1]
        ]  # fmt: skip
        conn.commit()
        return sum(p.stat().st_size for paths in pending for p in paths)

    def _run_files(self, conn: Connection, report: Report, summary: ImportSummary) -> None:
        state = ImportState(conn)
        checkpoints = Checkpoints(conn, str(self.directory.resolve()))
        totals = _manifest_rows(self.directory)
        with _progress(self.progress) as bar:
            for loader_type, paths in find_sources(self.directory):
                name = paths[0].name
                file_summary = FileSummary(name)
                summary.files.append(file_summary)
                report.current = file_summary
                task = bar.add_task(name, total=totals.get(name)) if bar else None
                self._run_file(conn, loader_type(), paths, state, checkpoints, report, bar, task)
                if loader_type is GridLoader and not file_summary.skipped:
                    summary.coverage_issues = _report_coverage(conn, report, name)

    def _run_file(self, conn: Connection, loader: Loader, paths: list[Path], state: ImportState,
                  checkpoints: Checkpoints, report: Report, bar: Any, task: Any) -> None:  # fmt: skip
        name, current = paths[0].name, report.current
        assert current is not None
        started, (done_line, done) = time.perf_counter(), checkpoints.get(name)
        if done:
            current.skipped = True
            return
        ctx = BatchContext(conn, state, BulkWriter(conn), lambda *a: report.write(name, *a), self.secret)
        batch: list[tuple[int, Any]] = []
        last = done_line
        for row in source_rows(paths):
            if row.line <= done_line:
                continue
            current.read += 1
            last = row.line
            self._convert(row, loader, ctx, batch)
            if current.read % self.batch_size == 0:
                self._commit(conn, loader, ctx, batch, checkpoints, name, last, False)
                batch = []
                if bar:
                    bar.update(task, completed=current.read + done_line_rows(done_line))
        self._commit(conn, loader, ctx, batch, checkpoints, name, last, True)
        if bar:
            bar.update(task, completed=bar.tasks[task].total or current.read)
        current.imported = current.read - current.rejected
        current.seconds = time.perf_counter() - started

    @staticmethod
    def _convert(row: SourceRow, loader: Loader, ctx: BatchContext, batch: list[tuple[int, Any]]) -> None:
        if row.error:
            ctx.report(row.line, "", row.error, "rejected")
            return
        try:
            item = loader.convert(row, ctx)
        except Rejected as exc:
            ctx.report(row.line, exc.field, exc.reason, "rejected")
            return
        batch.append((row.line, item))

    @staticmethod
    def _commit(conn: Connection, loader: Loader, ctx: BatchContext, batch: list[tuple[int, Any]],
                checkpoints: Checkpoints, name: str, line: int, done: bool) -> None:  # fmt: skip
        try:
            loader.flush(batch, ctx)
            checkpoints.set(name, line, done)
            conn.commit()
            return
        except (IntegrityError, DBAPIError):
            conn.rollback()
        ctx.state.__init__(conn)  # type: ignore[misc]  # caches may hold rolled-back rows
        for line_no, item in batch:
            try:
                with conn.begin_nested():
                    loader.flush([(line_no, item)], ctx)
            except (IntegrityError, DBAPIError) as exc:
                ctx.report(line_no, "", f"refused by the database: {type(exc.orig).__name__}", "rejected")
                ctx.state.__init__(conn)  # type: ignore[misc]
        checkpoints.set(name, line, done)
        conn.commit()


def done_line_rows(done_line: int) -> int:
    """Rows before a checkpoint, approximated by its line (one row per line after the header)."""
    return max(0, done_line - 1)


def _report_coverage(conn: Connection, report: Report, name: str) -> int:
    issues = check_grids(conn)
    for issue in issues:
        report.write(name, "", "geometry", issue.reason, issue.kind)
    conn.commit()
    return len(issues)


class _NoBar:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(enabled: bool) -> Any:
    if not enabled:
        return _NoBar()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
