"""Streaming readers for imports: CSV, NDJSON and JSON arrays, row by row with line numbers,
and the rejected-rows report (file, line, field, reason)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from xueliang.core.exceptions import InvalidInputError

CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Rejected:
    file: str
    line: int
    field: str
    reason: str


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) for each record; the header is line 1 of a CSV."""
    suffix = path.suffix.lower()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if suffix == ".csv":
            yield from _csv_rows(handle)
        elif suffix in {".ndjson", ".jsonl"}:
            yield from _ndjson_rows(handle)
        elif suffix == ".json":
            yield from _json_array_rows(handle)
        else:
            raise InvalidInputError(f"{path.name}: unsupported file type (csv, json, ndjson)", field="path")


def _csv_rows(handle: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(handle)
    for row in reader:
        yield reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}


def _ndjson_rows(handle: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(handle, start=1):
        if line.strip():
            yield number, _object(json.loads(line), number)


def _json_array_rows(handle: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    """Objects of a top-level JSON array, decoded one at a time from fixed-size chunks."""
    decoder, buffer, line, started = json.JSONDecoder(), "", 1, False
    while True:
        chunk = handle.read(CHUNK)
        buffer += chunk
        while True:
            stripped = buffer.lstrip(" \t\r\n,")
            line += buffer[: len(buffer) - len(stripped)].count("\n")
            buffer = stripped
            if not started and buffer.startswith("["):
                buffer, started = buffer[1:], True
                continue
            if not buffer or buffer.startswith("]"):
                break
            try:
                value, end = decoder.raw_decode(buffer)
            except json.JSONDecodeError:
                if not chunk:
                    raise
                break
            yield line, _object(value, line)
            line += buffer[:end].count("\n")
            buffer = buffer[end:]
        if not chunk:
            return


def _object(value: Any, line: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInputError(f"line {line}: expected an object", field="row")
    return {str(k): "" if v is None else v for k, v in value.items()}


def write_report(path: Path, rejected: list[Rejected]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "line", "field", "reason"])
        writer.writerows([r.file, r.line, r.field, r.reason] for r in rejected)
