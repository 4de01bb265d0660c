"""Vector indexes keyed by ``type``: ``faiss`` (embedded default) and ``milvus`` (milvus-lite or a server)."""

from __future__ import annotations

from pathlib import Path

from xueliang.core.exceptions import ConfigurationError
from xueliang.investigation.vectors.base import Hit, VectorFilter, VectorIndex, normalise


def open_index(
    *, type: str, name: str, dim: int, data_dir: Path, url: str = "", exact_below: int = 50_000
) -> VectorIndex:
    """The index of the embeddings called ``name`` (a record kind), created if missing."""
    if type == "faiss":
        from xueliang.investigation.vectors.faiss_index import FaissIndex

        return FaissIndex(path=data_dir / "vectors" / name, dim=dim, exact_below=exact_below)
    if type == "milvus":
        from xueliang.investigation.vectors.milvus_index import MilvusIndex

        uri = url or str(data_dir / "vectors" / "milvus.db")
        if "://" not in uri:
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        return MilvusIndex(uri=uri, collection=f"{name}_vectors", dim=dim)
    raise ConfigurationError(f"unknown vector index type {type!r} (faiss, milvus)")


__all__ = ["Hit", "VectorFilter", "VectorIndex", "normalise", "open_index"]
