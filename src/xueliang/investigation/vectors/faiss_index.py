"""faiss: the embedded default. Vectors are kept in arrival order with their time and place, in
float16 (exact scans, re-ranking, persistence); an IVF index with 8-bit scalar quantisation (inner
product, one byte per dimension) is trained once the index holds ``train_at`` vectors and then
extended incrementally. Each vector is thus held in 3 bytes per dimension, not twice in float32
(10M × 256-d: ~7.8 GB instead of ~20.5 GB). A search whose filters leave fewer than ``exact_below``
candidates is an exact scan of those candidates; otherwise IVF-SQ8 with an ID selector (a position
range for a time window over time-ordered data, a batch of positions for places) for ``RERANK`` × k
candidates, re-ranked by their float16 vectors. Persisted as numpy arrays + the faiss file; an index
file of another layout (the former IVF-Flat) is rebuilt from the stored vectors with a warning."""

from __future__ import annotations

import json
import logging
import math
import threading
from pathlib import Path
from typing import Any, ClassVar

import faiss
import numpy as np
from numpy.typing import NDArray

from xueliang.investigation.vectors.base import F32, Hit, VectorFilter, VectorIndex, normalise

logger = logging.getLogger(__name__)
I64 = NDArray[np.int64]
F16 = NDArray[np.float16]
IVF_LAYOUT = "ivf-sq8"  # meta.json "ivf": files without it hold an IVF-Flat (before 2026-11-28)
RERANK = 4  # IVF candidates per wanted hit, re-ranked by their float16 vectors
CHUNK = 262_144  # rows converted to float32 at a time when adding to the IVF
BLOCK = 1024  # rows converted to float32 at a time in exact scans


class FaissIndex(VectorIndex):
    type: ClassVar[str] = "faiss"

    def __init__(
        self,
        *,
        path: Path | None,
        dim: int,
        exact_below: int = 50_000,
        train_at: int = 20_000,
        nprobe: int = 16,
    ) -> None:
        self.path, self.dim, self.exact_below, self.train_at, self.nprobe = (
            path,
            dim,
            exact_below,
            train_at,
            nprobe,
        )
        self._lock = threading.RLock()
        self.vecs: F16 = np.zeros((0, dim), np.float16)
        self.times: I64 = np.zeros(0, np.int64)
        self.places: NDArray[np.int32] = np.zeros(0, np.int32)
        self.ids: list[str] = []
        self._known: set[str] = set()
        self.place_codes: dict[str, int] = {}
        self.n = 0
        self.ivf: Any = None
        self.time_sorted = True
        self.dirty = False
        if path is not None and (path / "meta.json").is_file() and self._same_dim(path):
            self._load(path)

    def _same_dim(self, path: Path) -> bool:
        """False (the old files set aside, the index starts empty) when the stored vectors have
        another size: another embedding, not comparable with the one records now carry."""
        stored = json.loads((path / "meta.json").read_text()).get("dim", self.dim)
        if stored == self.dim:
            return True
        aside = path.with_name(f"{path.name}.dim{stored}")
        logger.warning(
            "vector index %s holds %s-d vectors, %s-d expected: moved to %s", path, stored, self.dim, aside
        )
        path.rename(aside)
        return False

    def __len__(self) -> int:
        return self.n

    # -- adding ------------------------------------------------------------------------------------
    def _grow(self, extra: int) -> None:
        need = self.n + extra
        if need <= len(self.vecs):
            return
        cap = max(need, 2 * len(self.vecs), 1024)
        self.vecs = np.resize(self.vecs, (cap, self.dim)).astype(np.float16, copy=False)
        self.times = np.resize(self.times, cap)
        self.places = np.resize(self.places, cap)

    def add(self, ids: list[str], vectors: F32, times: list[int], places: list[str]) -> int:
        with self._lock:
            keep = [i for i, object_id in enumerate(ids) if object_id not in self._known]
            if not keep:
                return 0
            codes = np.asarray([self._code(places[i]) for i in keep], np.int32)
            vecs, stamps = normalise(vectors)[keep], np.asarray(times, np.int64)[keep]
            self.add_arrays([ids[i] for i in keep], vecs, stamps, codes)
            return len(keep)

    def _code(self, place: str) -> int:
        return self.place_codes.setdefault(place, len(self.place_codes))

    def add_arrays(self, ids: list[str], vecs: F32, times: I64, places: NDArray[np.int32]) -> None:
        """Bulk add of normalised vectors (no duplicate check): backfills and benchmarks."""
        with self._lock:
            m, start = len(ids), self.n
            self._grow(m)
            self.vecs[start : start + m], self.times[start : start + m], self.places[start : start + m] = (
                vecs,
                times,
                places,
            )
            if (m and start and times[0] < self.times[start - 1]) or (m and np.any(np.diff(times) < 0)):
                self.time_sorted = False
            self.ids.extend(ids)
            self._known.update(ids)
            self.n += m
            self.dirty = True
            if self.ivf is not None:
                self._index_rows(start, start + m)
            elif self.n >= self.train_at:
                self.train()

    def train(self, nlist: int | None = None) -> None:
        with self._lock:
            nlist = nlist or max(8, min(int(4 * math.sqrt(self.n)), self.n // 39))
            quantizer = faiss.IndexFlatIP(self.dim)
            ivf = faiss.IndexIVFScalarQuantizer(
                quantizer, self.dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
            rng = np.random.default_rng(0)
            pick = np.sort(rng.choice(self.n, size=min(self.n, nlist * 64), replace=False))
            ivf.train(self.vecs[pick].astype(np.float32))
            self.ivf = ivf
            self._index_rows(0, self.n)
            logger.info("faiss IVF-SQ8 trained: %s vectors, %s lists", self.n, nlist)

    def _index_rows(self, lo: int, hi: int) -> None:
        """Add rows lo..hi to the IVF, a chunk at a time (no full float32 copy)."""
        for start in range(lo, hi, CHUNK):
            end = min(start + CHUNK, hi)
            self.ivf.add_with_ids(
                self.vecs[start:end].astype(np.float32), np.arange(start, end, dtype=np.int64)
            )

    def memory_bytes(self) -> int:
        """Bytes held by the vectors: the float16 array (capacity) plus the IVF's codes, ids and
        centroids (times, places and the id strings not counted)."""
        size = int(self.vecs.nbytes)
        if self.ivf is not None:
            size += int(self.ivf.ntotal) * (int(self.ivf.code_size) + 8) + int(self.ivf.nlist) * self.dim * 4
        return size

    # -- searching ---------------------------------------------------------------------------------
    def _candidates(self, flt: VectorFilter | None) -> tuple[int, int, I64 | None] | None:
        """(lo, hi, positions or None for the whole range); None when nothing can match."""
        lo, hi = 0, self.n
        if flt is None:
            return lo, hi, None
        t0 = flt.time_from if flt.time_from is not None else -(2**62)
        t1 = flt.time_to if flt.time_to is not None else 2**62
        positions: I64 | None = None
        if self.time_sorted:
            lo, hi = (int(x) for x in np.searchsorted(self.times[: self.n], [t0, t1]))
        elif flt.time_from is not None or flt.time_to is not None:
            positions = np.flatnonzero((self.times[: self.n] >= t0) & (self.times[: self.n] < t1))
        if flt.places is not None:
            codes = np.asarray([self.place_codes[p] for p in flt.places if p in self.place_codes], np.int32)
            base = positions if positions is not None else np.arange(lo, hi)
            positions = base[np.isin(self.places[base], codes)]
        if (positions is not None and not len(positions)) or hi <= lo:
            return None
        return lo, hi, positions

    def search(self, query: F32, k: int, flt: VectorFilter | None = None) -> list[Hit]:
        q = normalise(query)
        with self._lock:
            found = self._candidates(flt)
            if found is None:
                return []
            lo, hi, positions = found
            size = len(positions) if positions is not None else hi - lo
            if self.ivf is None or size < self.exact_below:
                return self._exact(q, k, positions if positions is not None else np.arange(lo, hi))
            return self._ivf(q, k, lo, hi, positions)

    def _scores(self, q: F32, positions: I64) -> F32:
        """Inner products of the float16 rows at ``positions`` with q, converted a cache-sized block
        at a time into one float32 buffer (a whole-slice conversion is bound by page faults)."""
        out = np.empty(len(positions), np.float32)
        if not len(positions):
            return out
        contiguous = positions[-1] - positions[0] == len(positions) - 1
        buf = np.empty((min(BLOCK, len(positions)), self.dim), np.float32)
        lo = int(positions[0])
        for s in range(0, len(positions), BLOCK):
            e = min(s + BLOCK, len(positions))
            rows = self.vecs[lo + s : lo + e] if contiguous else self.vecs[positions[s:e]]
            np.copyto(buf[: e - s], rows)
            np.matmul(buf[: e - s], q[0], out=out[s:e])
        return out

    def _exact(self, q: F32, k: int, positions: I64) -> list[Hit]:
        scores = self._scores(q, positions)
        top = (
            np.argpartition(-scores, min(k, len(scores)) - 1)[:k]
            if len(scores) > k
            else np.arange(len(scores))
        )
        top = top[np.argsort(-scores[top])]
        return [Hit(self.ids[int(positions[i])], float(scores[i])) for i in top]

    def _ivf(self, q: F32, k: int, lo: int, hi: int, positions: I64 | None) -> list[Hit]:
        if positions is not None:
            sel: Any = faiss.IDSelectorBatch(positions.astype(np.int64))
        elif lo > 0 or hi < self.n:
            sel = faiss.IDSelectorRange(lo, hi)
        else:
            sel = None
        params: Any = faiss.SearchParametersIVF()
        params.nprobe = self.nprobe
        if sel is not None:
            params.sel = sel
        _, found = self.ivf.search(q, k * RERANK, params=params)
        candidates = np.sort(found[0][found[0] >= 0])
        if not len(candidates):
            return []
        return self._exact(q, k, candidates)

    def exact_search(self, query: F32, k: int, flt: VectorFilter | None = None) -> list[Hit]:
        """The exact answer whatever the size (recall baselines)."""
        found = self._candidates(flt)
        if found is None:
            return []
        lo, hi, positions = found
        return self._exact(normalise(query), k, positions if positions is not None else np.arange(lo, hi))

    # -- persistence -------------------------------------------------------------------------------
    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        with self._lock:
            self.path.mkdir(parents=True, exist_ok=True)
            np.save(self.path / "vectors.npy", self.vecs[: self.n].astype(np.float16))
            np.save(self.path / "times.npy", self.times[: self.n])
            np.save(self.path / "places.npy", self.places[: self.n])
            (self.path / "ids.txt").write_text("\n".join(self.ids))
            if self.ivf is not None:
                faiss.write_index(self.ivf, str(self.path / "ivf.faiss"))
            meta = {
                "dim": self.dim,
                "n": self.n,
                "places": self.place_codes,
                "time_sorted": self.time_sorted,
                "ivf": IVF_LAYOUT,
            }
            (self.path / "meta.json").write_text(json.dumps(meta))
            self.dirty = False

    def _load(self, path: Path) -> None:
        meta = json.loads((path / "meta.json").read_text())
        self.place_codes, self.time_sorted, self.n = meta["places"], meta["time_sorted"], meta["n"]
        self.vecs = np.load(path / "vectors.npy").astype(np.float16, copy=False)
        self.times, self.places = np.load(path / "times.npy"), np.load(path / "places.npy")
        self.ids = (path / "ids.txt").read_text().split("\n") if self.n else []
        self._known = set(self.ids)
        if not (path / "ivf.faiss").is_file():
            return
        if meta.get("ivf") == IVF_LAYOUT:
            self.ivf = faiss.read_index(str(path / "ivf.faiss"))
            return
        logger.warning("vector index %s holds a former IVF-Flat file: rebuilding it as IVF-SQ8", path)
        self.train()
        self.dirty = True
