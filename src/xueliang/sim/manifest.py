"""manifest.json: what was generated, from which seed and scale, with a SHA-256 of every file."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson

import xueliang

FORMAT_VERSION = "1"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(
    out: Path, kind: str, params: dict[str, Any], counts: dict[str, int], files: dict[str, int]
) -> Path:
    """`files` maps a relative path to its row count; no timestamps, so reruns are byte-identical."""
    body = {
        "kind": kind,
        "format_version": FORMAT_VERSION,
        "generator": f"xueliang {xueliang.__version__}",
        "params": params,
        "counts": counts,
        "files": [
            {"path": rel, "rows": rows, "bytes": (out / rel).stat().st_size, "sha256": sha256(out / rel)}
            for rel, rows in sorted(files.items())
        ],
    }
    path = out / "manifest.json"
    path.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
    return path


def read_manifest(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads((out / "manifest.json").read_bytes())
    return data
