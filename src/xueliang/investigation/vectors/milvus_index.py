"""Milvus through pymilvus: milvus-lite (a local file, the tests) or a Milvus server (a city), the same
client API. One collection per record kind: id, vector, epoch-second time, device id; IVF_FLAT on
inner product; time and place filters as a boolean expression (ids are validated digits)."""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

from pymilvus import DataType, MilvusClient

from xueliang.core.exceptions import ConfigurationError
from xueliang.investigation.vectors.base import F32, Hit, VectorFilter, VectorIndex, normalise

logger = logging.getLogger(__name__)
_ID = re.compile(r"^[0-9A-Za-z]{1,48}$")


class MilvusIndex(VectorIndex):
    type: ClassVar[str] = "milvus"

    def __init__(self, *, uri: str, collection: str, dim: int, client: Any = None) -> None:
        self.client = client or MilvusClient(uri)
        self.collection, self.dim = collection, dim
        if not self.client.has_collection(collection):
            self._create()
        self._check_dim()
        self.client.load_collection(collection)

    def _check_dim(self) -> None:
        fields = self.client.describe_collection(self.collection)["fields"]
        stored = next((f.get("params", {}).get("dim") for f in fields if f["name"] == "vec"), self.dim)
        if int(stored) != self.dim:
            raise ConfigurationError(
                f"Milvus collection {self.collection} holds {stored}-d vectors, {self.dim}-d expected "
                "(another embedding): drop it; the index refills as records arrive"
            )

    def _create(self) -> None:
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
        schema.add_field("vec", DataType.FLOAT_VECTOR, dim=self.dim)
        schema.add_field("ts", DataType.INT64)
        schema.add_field("place", DataType.VARCHAR, max_length=32)
        index = self.client.prepare_index_params()
        index.add_index(field_name="vec", index_type="IVF_FLAT", metric_type="IP", params={"nlist": 128})
        self.client.create_collection(self.collection, schema=schema, index_params=index)

    def __len__(self) -> int:
        stats = self.client.get_collection_stats(self.collection)
        return int(stats.get("row_count", 0))

    def add(self, ids: list[str], vectors: F32, times: list[int], places: list[str]) -> int:
        if not ids:
            return 0
        vecs = normalise(vectors)
        existing = {r["id"] for r in self.client.get(self.collection, ids=ids, output_fields=["id"])}
        rows = [
            {"id": i, "vec": vecs[n].tolist(), "ts": int(times[n]), "place": places[n]}
            for n, i in enumerate(ids)
            if i not in existing
        ]
        if rows:
            self.client.insert(self.collection, rows)
        return len(rows)

    @staticmethod
    def expression(flt: VectorFilter | None) -> str:
        if flt is None:
            return ""
        parts = []
        if flt.time_from is not None:
            parts.append(f"ts >= {int(flt.time_from)}")
        if flt.time_to is not None:
            parts.append(f"ts < {int(flt.time_to)}")
        if flt.places is not None:
            places = sorted(p for p in flt.places if _ID.fullmatch(p))
            parts.append("place in [" + ", ".join(f'"{p}"' for p in places) + "]")
        return " and ".join(parts)

    def search(self, query: F32, k: int, flt: VectorFilter | None = None) -> list[Hit]:
        if flt is not None and flt.places is not None and not flt.places:
            return []
        result = self.client.search(
            self.collection,
            data=normalise(query).tolist(),
            limit=k,
            filter=self.expression(flt),
            search_params={"metric_type": "IP", "params": {"nprobe": 16}},
            output_fields=["id"],
        )
        return [Hit(str(h["id"]), float(h["distance"])) for h in result[0]]

    def save(self) -> None:
        self.client.flush(self.collection)

    def close(self) -> None:
        self.client.close()
