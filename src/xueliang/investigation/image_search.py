"""以图搜车 and face comparison: a probe (stored record or uploaded image) → embedding → nearest
stored records under time/place filters and the caller's scope; face 1:1 with a decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.core.exceptions import InvalidInputError, NotFoundError
from xueliang.investigation import scope
from xueliang.investigation.embeddings import Vectors, feature_of, image_bytes, read_image
from xueliang.investigation.feature_search import pass_filter_of, tollgates_of
from xueliang.investigation.schemas import (
    FaceCompare,
    FaceCompareResult,
    ImageSearch,
    PassSearch,
    Place,
    Probe,
    SimilarItem,
    SimilarPage,
    VehicleFeatures,
)
from xueliang.investigation.service import CaseContext, audit_lookup
from xueliang.investigation.times import aware
from xueliang.investigation.vectors import VectorFilter
from xueliang.investigation.vectors.base import F32
from xueliang.viewlib import search as records
from xueliang.viewlib.kinds import BY_NAME
from xueliang.viewlib.stores.base import RecordStore

TIME_FIELD = {"face": "ShotTime", "motor_vehicle": "PassTime"}
MAX_CANDIDATES = 2000


def probe_vector(
    *, store: RecordStore, vectors: Vectors, vis: scope.Visibility, kind: str, probe: Probe
) -> F32:
    if (probe.record_id is None) == (probe.image is None):
        raise InvalidInputError("give exactly one of record_id and image", field="probe")
    if probe.image is not None:
        return vectors.extractor.extract(kind=kind, image=read_image(image_bytes(probe.image)))
    raw_text = store.get(BY_NAME[kind], probe.record_id or "")
    raw: dict[str, Any] = orjson.loads(raw_text) if raw_text else {}
    if not raw or not vis.allows(
        device_id=str(raw.get("DeviceID", "")), tollgate_id=str(raw.get("TollgateID", ""))
    ):
        raise NotFoundError(f"{kind} record {probe.record_id} not found")
    vec = feature_of(raw, kind)
    if vec is None:
        raise InvalidInputError(
            f"record {probe.record_id} carries no embedding (FeatureInfoObject)", field="probe"
        )
    return vec


def vector_filter(
    *, db: Session, vis: scope.Visibility, place: Place, time_from: datetime | None,
    time_to: datetime | None, tz: str,
) -> VectorFilter | None:  # fmt: skip
    tollgates = tollgates_of(db=db, place=place)
    places: set[str] | None = None if tollgates is None else scope.devices_at(db=db, tollgates=tollgates)
    if vis.devices is not None:
        places = set(vis.devices) if places is None else places & set(vis.devices)
    t0 = int(aware(time_from, tz).timestamp()) if time_from else None
    t1 = int(aware(time_to, tz).timestamp()) if time_to else None
    if t0 is None and t1 is None and places is None:
        return None
    return VectorFilter(t0, t1, frozenset(places) if places is not None else None)


def similar_ids(
    *, db: Session, vectors: Vectors, vis: scope.Visibility, vec: F32, place: Place,
    time_from: datetime | None, time_to: datetime | None, k: int, min_score: float, tz: str,
) -> dict[str, float]:  # fmt: skip
    """Object id → similarity of the ``k`` vehicle captures nearest to ``vec`` in a place and window."""
    flt = vector_filter(db=db, vis=vis, place=place, time_from=time_from, time_to=time_to, tz=tz)
    hits = vectors.index("motor_vehicle").search(vec, k, flt)
    return {h.object_id: h.score for h in hits if h.score >= min_score}


def with_features(
    *, store: RecordStore, vis: scope.Visibility, ids: list[str], features: VehicleFeatures,
    time_from: datetime | None, time_to: datetime | None, tz: str,
) -> set[str]:  # fmt: skip
    """The ids among ``ids`` whose stored pass has ``features`` (and is visible); the search's window
    bounds the partitions read (the ids themselves are found through the object-id bloom filter)."""
    search = PassSearch(**features.model_dump(), time_from=time_from, time_to=time_to, limit=1)
    f = pass_filter_of(query=search, vis=vis, tollgates=None, tz=tz)
    f.object_ids = ids
    return {r[0] for r in records.plate_passes(store, f, limit=len(ids))}


def _item(object_id: str, score: float, raw: dict[str, Any], kind: str) -> SimilarItem:
    subs = (raw.get("SubImageList") or {}).get("SubImageInfoObject") or []
    return SimilarItem(
        object_id=object_id, score=round(score, 4), device_id=str(raw.get("DeviceID", "")),
        time=str(raw.get(TIME_FIELD[kind], "")), plate_no=str(raw.get("PlateNo", "")),
        images=[str(s["BlobSha256"]) for s in subs if isinstance(s, dict) and s.get("BlobSha256")],
    )  # fmt: skip


def search_similar(
    *, db: Session, store: RecordStore, vectors: Vectors, principal: Principal, ctx: CaseContext,
    query: ImageSearch, tz: str,
) -> SimilarPage:  # fmt: skip
    principal.require(Permission.face_search if query.kind == "face" else Permission.record_search)
    if query.kind == "face" and query.features is not None:
        raise InvalidInputError("vehicle features filter motor_vehicle searches only", field="features")
    vis = scope.visibility(db=db, principal=principal)
    vec = probe_vector(store=store, vectors=vectors, vis=vis, kind=query.kind, probe=query.probe)
    index = vectors.index(query.kind)
    flt = vector_filter(
        db=db, vis=vis, place=query.place, time_from=query.time_from, time_to=query.time_to, tz=tz
    )
    wanted = query.k if query.features is None else min(10 * query.k, MAX_CANDIDATES)
    hits = [h for h in index.search(vec, wanted, flt) if h.score >= query.min_score]
    if query.features is not None:
        keep = with_features(
            store=store, vis=vis, ids=[h.object_id for h in hits], features=query.features,
            time_from=query.time_from, time_to=query.time_to, tz=tz,
        )  # fmt: skip
        hits = [h for h in hits if h.object_id in keep][: query.k]
    raws = records.raw_by_ids(store, BY_NAME[query.kind], [h.object_id for h in hits])
    items = [
        _item(h.object_id, h.score, orjson.loads(raws[h.object_id]), query.kind)
        for h in hits
        if h.object_id in raws
    ]
    params = query.model_dump(mode="json", exclude_defaults=True, exclude={"probe": {"image"}})
    params["probe_image"] = query.probe.image is not None
    action = "investigation.face.identify" if query.kind == "face" else "investigation.search.image"
    audit_lookup(db=db, principal=principal, ctx=ctx, action=action, params=params, result_count=len(items))
    return SimilarPage(items=items, searched=len(index))


def compare_faces(
    *, db: Session, store: RecordStore, vectors: Vectors, principal: Principal, ctx: CaseContext,
    body: FaceCompare, threshold: float,
) -> FaceCompareResult:  # fmt: skip
    principal.require(Permission.face_search)
    vis = scope.visibility(db=db, principal=principal)
    a = probe_vector(store=store, vectors=vectors, vis=vis, kind="face", probe=body.a)
    b = probe_vector(store=store, vectors=vectors, vis=vis, kind="face", probe=body.b)
    similarity = float(a @ b)
    result = FaceCompareResult(
        similarity=round(similarity, 4), threshold=threshold, same_person=similarity >= threshold
    )
    params = {
        "a": body.a.record_id or "image",
        "b": body.b.record_id or "image",
        "similarity": result.similarity,
    }
    audit_lookup(
        db=db,
        principal=principal,
        ctx=ctx,
        action="investigation.face.compare",
        params=params,
        result_count=1,
    )
    return result
