"""Serving the built web UI with a single-page-app fallback (no CDN: everything is local)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
RESERVED_PREFIXES = ("api/", "VIID/", "open311/", "healthz", "metrics")
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>Xueliang</title>
<p>The web UI is not built. Run <code>make demo</code> (or <code>scripts/build-web.sh</code>).
The API is at <a href="/api/docs">/api/docs</a>.</p>"""


def _file_in(root: Path, path: str) -> Path | None:
    candidate = (root / path).resolve()
    if candidate.is_file() and candidate.is_relative_to(root.resolve()):
        return candidate
    return None


def install_static(app: FastAPI, root: Path = STATIC_DIR) -> None:
    @app.api_route("/{path:path}", methods=ALL_METHODS, include_in_schema=False)
    async def spa(path: str, request: Request) -> Response:
        if request.method not in ("GET", "HEAD") or path.startswith(RESERVED_PREFIXES):
            raise HTTPException(404, f"no route for {request.method} /{path}")
        found = _file_in(root, path) if path else None
        if found is not None:
            cache = "public, max-age=31536000, immutable" if path.startswith("assets/") else "no-cache"
            return FileResponse(found, headers={"Cache-Control": cache})
        index = root / "index.html"
        if index.is_file():
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(NOT_BUILT)
