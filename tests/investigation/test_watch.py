"""Search by image, face 1:1 and 1:N, dispositions with second-user approval, live matching, alerts."""

from __future__ import annotations

import asyncio
import base64
import io
from datetime import UTC, datetime, timedelta

import numpy as np
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.investigation.helpers import (
    DEV_A,
    DEV_B,
    TG_A,
    add_tollgates,
    analyst,
    attach,
    face,
    make_case,
    pass_,
    store_with,
)
from xueliang.core.exceptions import InvalidInputError
from xueliang.investigation import alerts, consumers, matcher
from xueliang.investigation.embeddings import (
    EmbeddingExtractor,
    NoExtractor,
    Vectors,
    encode_feature,
    vectors_of,
)
from xueliang.investigation.models import Alert, Disposition
from xueliang.viewlib.schemas import RecordsStored, RecordStored

CASE = {"case_id": "A2026-001", "purpose": "追逃"}
API = "/api/v1/investigation"
RNG = np.random.default_rng(5)
PERSON = RNG.normal(size=128).astype(np.float32)
OTHER = RNG.normal(size=128).astype(np.float32)


def _fid(serial: int) -> str:
    return face(serial, device=DEV_A if serial % 2 == 0 else DEV_B, stamp="20261101080000")["FaceID"]


def _faces() -> list[dict[str, object]]:
    out = []
    for i in range(12):
        vec = PERSON + 0.3 * RNG.normal(size=128) if i < 4 else RNG.normal(size=128)
        device = DEV_A if i % 2 == 0 else DEV_B
        info = {"Vendor": "t", "AlgorithmVersion": "t", "FeatureData": encode_feature(vec.astype(np.float32))}
        out.append(face(i, device=device, stamp="20261101080000", FeatureInfoObject=info))
    out.append(face(99, device=DEV_B, stamp="20261101080000"))  # no embedding
    return out


def _png(color: tuple[int, int, int]) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


class FakeExtractor(EmbeddingExtractor):
    def extract(self, *, kind: str, image: Image.Image) -> np.ndarray:
        if image.getpixel((0, 0)) == (0, 0, 0):
            raise InvalidInputError("no face found in the image", field="image")
        return PERSON


def _setup(app: FastAPI, client: TestClient, db: Session) -> tuple[TestClient, Vectors]:
    add_tollgates(db)
    faces = _faces()
    store = store_with([pass_(1, "湘A12345", "20261101080000")], faces)
    attach(app, store)
    vectors = vectors_of(app.state)
    for f in faces:
        msg = RecordStored(
            kind="face",
            object_id=f["FaceID"],
            device_id=f["DeviceID"],
            event_time=datetime(2026, 11, 1, tzinfo=UTC),
        )
        matcher.feed_vector(vectors=vectors, msg=msg, raw=f)
    user, c = analyst(client, db, roles=("analyst", "admin"))
    make_case(db, user)
    db.commit()
    return c, vectors


def test_image_search__record_probe_finds_same_person(app: FastAPI, client: TestClient, db: Session) -> None:
    c, _ = _setup(app, client, db)
    body = {"kind": "face", "probe": {"record_id": _fid(0)}, "k": 4}
    r = c.post(f"{API}/images/search", params=CASE, json=body)
    assert r.status_code == 200, r.text
    assert {i["object_id"] for i in r.json()["items"]} == {_fid(i) for i in range(4)}
    body["place"] = {"tollgates": [TG_A]}
    r = c.post(f"{API}/images/search", params=CASE, json=body)
    assert {i["device_id"] for i in r.json()["items"]} == {DEV_A}


def test_image_search__bad_probes_are_4xx(app: FastAPI, client: TestClient, db: Session) -> None:
    c, vectors = _setup(app, client, db)
    search = f"{API}/images/search"
    vectors.extractor = NoExtractor()  # XUELIANG_EMBEDDING_EXTRACTOR=none
    r = c.post(search, params=CASE, json={"kind": "face", "probe": {"image": _png((9, 9, 9))}})
    assert r.status_code == 422 and "no extractor installed" in r.json()["detail"]
    vectors.extractor = FakeExtractor()
    assert (
        c.post(search, params=CASE, json={"kind": "face", "probe": {"image": "bm90IGFuIGltYWdl"}}).status_code
        == 422
    )
    r = c.post(search, params=CASE, json={"kind": "face", "probe": {"image": _png((0, 0, 0))}})
    assert r.status_code == 422 and "no face" in r.json()["detail"]
    r = c.post(search, params=CASE, json={"kind": "face", "probe": {"image": _png((9, 9, 9))}, "k": 4})
    assert {i["object_id"] for i in r.json()["items"]} == {_fid(i) for i in range(4)}
    assert (
        c.post(search, params=CASE, json={"kind": "face", "probe": {"record_id": _fid(99)}}).status_code
        == 422
    )
    assert (
        c.post(search, params=CASE, json={"kind": "face", "probe": {"record_id": "1" * 48}}).status_code
        == 404
    )
    assert c.post(search, json={"kind": "face", "probe": {"record_id": _fid(0)}}).status_code == 400


def test_face_compare__one_to_one_decision(app: FastAPI, client: TestClient, db: Session) -> None:
    c, _ = _setup(app, client, db)
    same = c.post(
        f"{API}/faces/compare", params=CASE, json={"a": {"record_id": _fid(0)}, "b": {"record_id": _fid(1)}}
    )
    other = c.post(
        f"{API}/faces/compare", params=CASE, json={"a": {"record_id": _fid(0)}, "b": {"record_id": _fid(7)}}
    )
    assert same.json()["same_person"] is True and other.json()["same_person"] is False


def _dispose(c: TestClient, **body: object) -> dict[str, object]:
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    r = c.post(
        f"{API}/dispositions", params=CASE, json={"reason": "在逃人员布控", "valid_until": until, **body}
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_disposition__needs_second_user_approval(app: FastAPI, client: TestClient, db: Session) -> None:
    c, _ = _setup(app, client, db)
    d = _dispose(c, kind="plate", plate_no="湘A12345")
    assert d["status"] == "pending"
    r = c.post(f"{API}/dispositions/{d['id']}/decision", json={"approve": True})
    assert r.status_code == 403 and "your own" in r.json()["detail"]
    _, approver = analyst(TestClient(app), db, roles=("auditor",))
    queue = approver.get(f"{API}/dispositions", params={"status": "pending"}).json()
    assert [q["id"] for q in queue] == [d["id"]]
    r = approver.post(f"{API}/dispositions/{d['id']}/decision", json={"approve": True, "note": "同意"})
    assert r.status_code == 200 and r.json()["status"] == "active"


def _active(db: Session, **kw: object) -> Disposition:
    d = db.scalars(select(Disposition)).one()
    d.status = "active"
    for k, v in kw.items():
        setattr(d, k, v)
    db.flush()
    return d


def test_matcher__plate_exact_fuzzy_area_and_idempotent(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    c, _ = _setup(app, client, db)
    _dispose(c, kind="plate", plate_no="湘A12345")
    _active(db)
    m = matcher.Matcher(threshold=0.6)
    at = datetime.now(UTC)

    def msg(obj: str, plate: str) -> RecordStored:
        return RecordStored(
            kind="motor_vehicle",
            object_id=obj,
            device_id=DEV_A,
            event_time=at,
            plate_no=plate,
            tollgate_id=TG_A,
        )

    made = matcher.match_record(db=db, matcher=m, msg=msg("1" * 48, "湘A12345"), raw=None)
    assert [a.match for a, _ in made] == ["exact"]
    assert [
        a.match for a, _ in matcher.match_record(db=db, matcher=m, msg=msg("2" * 48, "湘A12845"), raw=None)
    ] == ["fuzzy"]
    assert matcher.match_record(db=db, matcher=m, msg=msg("3" * 48, "湘A18845"), raw=None) == []
    assert matcher.match_record(db=db, matcher=m, msg=msg("1" * 48, "湘A12345"), raw=None) == []  # redelivery
    assert len(db.scalars(select(Alert)).all()) == 2


def test_consumer__skips_records_that_cannot_matter(app: FastAPI, client: TestClient, db: Session) -> None:
    c, _ = _setup(app, client, db)
    _dispose(c, kind="plate", plate_no="湘A12345")
    _active(db)
    app.state.alert_hub = alerts.AlertHub()
    consumer = consumers.Consumer(app)
    consumer.matcher.refresh(db, force=True)

    def msg(plate: str, has_feature: bool | None) -> RecordStored:
        return RecordStored(
            kind="motor_vehicle",
            object_id="1" * 48,
            device_id=DEV_A,
            tollgate_id=TG_A,
            event_time=datetime.now(UTC),
            plate_no=plate,
            has_feature=has_feature,
        )

    assert not consumer.needs_work(msg("湘B99999", False))  # no feature, no disposition: no read, no session
    assert consumer.needs_work(msg("湘A12345", False))  # a disposition's plate
    assert consumer.needs_work(msg("湘A12845", False))  # one character off: fuzzy candidate
    assert consumer.needs_work(msg("湘B99999", True))  # an embedding to index
    assert consumer.needs_work(msg("湘B99999", None))  # an older publisher: read it
    consumer.matcher.loaded_at = -1e9
    assert consumer.needs_work(msg("湘B99999", False))  # dispositions due for reload

    def batch(*records: RecordStored) -> RecordsStored:
        return RecordsStored(kind="motor_vehicle", records=records)

    assert not consumer.idle_for(batch(msg("湘B99999", False)))  # stale: reload first
    consumer.matcher.refresh(db, force=True)
    assert not consumer.idle_for(batch(msg("湘B99999", False)))  # a plate disposition is active
    consumer.matcher.plates = matcher.PlateBook()  # as if none were
    assert consumer.idle_for(batch(msg("湘B99999", False), msg("湘A12345", False)))
    assert not consumer.idle_for(batch(msg("湘B99999", False), msg("湘B99998", True)))  # one to index
    assert not consumer.idle_for(batch(msg("湘B99999", None)))  # an older publisher said nothing


def test_matcher__face_by_threshold_and_expiry(app: FastAPI, client: TestClient, db: Session) -> None:
    c, _ = _setup(app, client, db)
    _dispose(c, kind="face", face={"record_id": _fid(0)})
    d = _active(db)
    m = matcher.Matcher(threshold=0.6)
    faces = _faces()
    at = datetime.now(UTC)
    hits = []
    for f in faces:
        msg = RecordStored(kind="face", object_id=f["FaceID"], device_id=DEV_A, event_time=at)
        if matcher.match_record(db=db, matcher=m, msg=msg, raw=f):
            hits.append(f["FaceID"])
    assert set(hits) == {_fid(i) for i in range(4)}
    d.valid_until = datetime.now(UTC) - timedelta(seconds=1)
    db.flush()
    from xueliang.investigation import dispositions

    assert dispositions.expire(db=db) == 1 and d.status == "expired"


def test_alerts__review_recorded_and_hub_streams(app: FastAPI, client: TestClient, db: Session) -> None:
    c, _ = _setup(app, client, db)
    _dispose(c, kind="plate", plate_no="湘A12345")
    d = _active(db)
    msg = RecordStored(
        kind="motor_vehicle",
        object_id="1" * 48,
        device_id=DEV_A,
        event_time=datetime.now(UTC),
        plate_no="湘A12345",
    )
    ((alert, _),) = matcher.match_record(db=db, matcher=matcher.Matcher(threshold=0.6), msg=msg, raw=None)
    db.commit()
    assert [a["id"] for a in c.get(f"{API}/alerts").json()] == [alert.id]
    r = c.post(f"{API}/alerts/{alert.id}/review", json={"review": "false_positive", "note": "误识别"})
    assert r.status_code == 200 and r.json()["review"] == "false_positive" and r.json()["reviewed_by"]
    assert c.post(f"{API}/alerts/{alert.id}/review", json={"review": "confirmed"}).status_code == 409

    async def one_event() -> list[str]:
        hub = alerts.AlertHub()
        stream = hub.stream(frozenset({d.case_pk}), limit=1)
        chunks = [await anext(stream)]
        hub.publish(alerts.raised(alert, d))
        chunks += [c async for c in stream]
        return chunks

    chunks = asyncio.run(one_event())
    assert chunks[-1].startswith("event: alert") and '"湘A12345"' in chunks[-1]
