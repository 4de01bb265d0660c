"""Vehicle analytics and multi-dimensional searches over passes, scoped and audited like searches.

- cloned plates (套牌): consecutive passes of one plate at two checkpoints implying a speed above
  XUELIANG_CLONED_PLATE_MAX_KMH (straight-line distance, so a lower bound of the real speed), or one
  plate seen with more than one brand or vehicle class;
- first appearance: plates whose first pass in the window is at or after ``since``;
- frequent night passes, frequent passes at one checkpoint;
- A then B within T; area collision (seen in every area within its window).
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.orm import Session

from xueliang.auth.enums import Permission
from xueliang.auth.principal import Principal
from xueliang.core.exceptions import BadRequestError
from xueliang.investigation import image_search, scope
from xueliang.investigation.embeddings import Vectors
from xueliang.investigation.feature_search import tollgates_of
from xueliang.investigation.schemas import AnalyticsQuery, CollisionSearch, Leg, PlateHit, ThenSearch
from xueliang.investigation.service import CaseContext, audit_lookup
from xueliang.investigation.times import to_store
from xueliang.viewlib import search as records
from xueliang.viewlib.search import PassFilter
from xueliang.viewlib.stores.base import RecordStore

EARTH_M = 6_371_000.0
MAX_GAP_S = 3600


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_M * math.asin(math.sqrt(h))


def window_filter(*, vis: scope.Visibility, time_from: Any, time_to: Any, tz: str) -> PassFilter:
    return PassFilter(
        time_from=to_store(time_from, tz), time_to=to_store(time_to, tz),
        visible_devices=vis.devices, visible_tollgates=vis.tollgates,
    )  # fmt: skip


def cloned(
    *, store: RecordStore, f: PassFilter, points: dict[str, tuple[float, float, str]], max_kmh: float
) -> list[PlateHit]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for plate, color, tg_a, tg_b, seconds, id_a, id_b in records.consecutive_moves(
        store, f, max_gap_s=MAX_GAP_S
    ):
        if tg_a not in points or tg_b not in points:
            continue
        km = metres(points[tg_a][:2], points[tg_b][:2]) / 1000
        kmh = km / max(float(seconds), 1.0) * 3600
        if kmh > max_kmh and (plate, color) not in found:
            found[(plate, color)] = {
                "reason": "speed",
                "kmh": round(kmh),
                "km": round(km, 1),
                "ids": [id_a, id_b],
            }
    for plate, color, brands, classes in records.attribute_conflicts(store, f):
        found.setdefault((plate, color), {"reason": "attributes", "brands": brands, "classes": classes})
    return [PlateHit(plate_no=p, plate_color=c, detail=d) for (p, c), d in sorted(found.items())]


def run(
    *, db: Session, store: RecordStore, principal: Principal, ctx: CaseContext, query: AnalyticsQuery,
    tz: str, max_kmh: float,
) -> list[PlateHit]:  # fmt: skip
    principal.require(Permission.plate_search)
    vis = scope.visibility(db=db, principal=principal)
    f = window_filter(vis=vis, time_from=query.time_from, time_to=query.time_to, tz=tz)
    hits = compute(db=db, store=store, f=f, query=query, tz=tz, max_kmh=max_kmh)[: query.limit]
    params = query.model_dump(mode="json", exclude_defaults=True)
    action = f"investigation.analytics.{query.kind}"
    audit_lookup(db=db, principal=principal, ctx=ctx, action=action, params=params, result_count=len(hits))
    return hits


def compute(
    *, db: Session, store: RecordStore, f: PassFilter, query: AnalyticsQuery, tz: str, max_kmh: float
) -> list[PlateHit]:
    if query.kind == "cloned":
        return cloned(store=store, f=f, points=scope.tollgate_points(db=db), max_kmh=max_kmh)
    if query.kind == "first_appearance":
        if query.since is None:
            raise BadRequestError("first_appearance needs since (the start of the recent period)")
        rows = records.first_seen_after(store, f, since=to_store(query.since, tz) or "")
        return [PlateHit(plate_no=p, plate_color=c, detail={"first": t}) for p, c, t in rows]
    night = (query.night_from, query.night_to) if query.kind == "night" else None
    per_gate = query.kind == "frequent_checkpoint"
    rows = records.frequent(store, f, min_count=query.min_count, night=night, tz=tz, per_tollgate=per_gate)
    return [
        PlateHit(plate_no=p, plate_color=c, detail={"tollgate_id": g, "passes": int(n)})
        for p, c, g, n in rows
    ]


def leg_filter(*, db: Session, vis: scope.Visibility, leg: Leg, tz: str) -> PassFilter:
    tollgates = tollgates_of(db=db, place=leg.place)
    if not tollgates:
        raise BadRequestError(
            "each place of a multi-dimensional search names checkpoints or an area holding some"
        )
    any_of = {"tollgate_id": tollgates, "plate_color": leg.plate_colors, "vehicle_color": leg.vehicle_colors,
              "vehicle_class": leg.vehicle_classes, "vehicle_brand": leg.vehicle_brands}  # fmt: skip
    f = window_filter(vis=vis, time_from=leg.time_from, time_to=leg.time_to, tz=tz)
    f.any_of = {k: v for k, v in any_of.items() if v}
    return f


def then_search(
    *, db: Session, store: RecordStore, vectors: Vectors, principal: Principal, ctx: CaseContext,
    query: ThenSearch, tz: str,
) -> list[PlateHit]:  # fmt: skip
    principal.require(Permission.plate_search)
    vis = scope.visibility(db=db, principal=principal)
    a, b = leg_filter(db=db, vis=vis, leg=query.a, tz=tz), leg_filter(db=db, vis=vis, leg=query.b, tz=tz)
    scores = alike(db=db, store=store, vectors=vectors, principal=principal, vis=vis, query=query, tz=tz)
    for leg, f in (("a", a), ("b", b)):
        if leg in scores:
            f.object_ids = sorted(scores[leg])
    rows = records.a_then_b(store, a, b, within_s=query.within_minutes * 60, limit=query.limit)
    hits = [
        PlateHit(plate_no=p, plate_color=c, detail=_then_detail(ta, tb, ia, ib, scores))
        for p, c, ta, tb, ia, ib in rows
    ]
    params = query.model_dump(mode="json", exclude={"like": {"probe": {"image"}}})
    if query.like is not None:
        params["like"]["probe_image"] = query.like.probe.image is not None
    audit_lookup(db=db, principal=principal, ctx=ctx, action="investigation.search.then",
                 params=params, result_count=len(hits))  # fmt: skip
    return hits


def alike(
    *, db: Session, store: RecordStore, vectors: Vectors, principal: Principal, vis: scope.Visibility,
    query: ThenSearch, tz: str,
) -> dict[str, dict[str, float]]:  # fmt: skip
    """Leg ("a"/"b") → the captures there looking like ``query.like``'s probe (id → similarity)."""
    like = query.like
    if like is None:
        return {}
    principal.require(Permission.record_search)
    vec = image_search.probe_vector(
        store=store, vectors=vectors, vis=vis, kind="motor_vehicle", probe=like.probe
    )
    out = {}
    for name, leg in (("a", query.a), ("b", query.b)):
        if like.legs in ("both", name):
            out[name] = image_search.similar_ids(
                db=db, vectors=vectors, vis=vis, vec=vec, place=leg.place, time_from=leg.time_from,
                time_to=leg.time_to, k=like.k, min_score=like.min_score, tz=tz,
            )  # fmt: skip
    return out


def _then_detail(ta: str, tb: str, ia: str, ib: str, scores: dict[str, dict[str, float]]) -> dict[str, Any]:
    detail: dict[str, Any] = {"at_a": ta, "at_b": tb, "id_a": ia, "id_b": ib}
    for leg, oid in (("a", ia), ("b", ib)):
        if leg in scores:
            detail[f"score_{leg}"] = round(scores[leg][oid], 4)
    return detail


def collision(
    *,
    db: Session,
    store: RecordStore,
    principal: Principal,
    ctx: CaseContext,
    query: CollisionSearch,
    tz: str,
) -> list[PlateHit]:
    principal.require(Permission.plate_search)
    vis = scope.visibility(db=db, principal=principal)
    areas = [leg_filter(db=db, vis=vis, leg=leg, tz=tz) for leg in query.areas]
    rows = records.area_collision(store, areas, limit=query.limit)
    hits = [PlateHit(plate_no=p, plate_color=c, detail={"passes": int(n)}) for p, c, n in rows]
    audit_lookup(db=db, principal=principal, ctx=ctx, action="investigation.search.collision",
                 params=query.model_dump(mode="json"), result_count=len(hits))  # fmt: skip
    return hits
