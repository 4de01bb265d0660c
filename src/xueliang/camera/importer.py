"""`xueliang camera import`: the synthetic city's cameras, tollgates, lanes and departments, or
generic CSV / JSON rows (the export format). Streams the files in batches, upserts by id (so a
second run changes nothing), and reports every rejected row with its line, field and reason."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xueliang.auth.models import OrgUnit
from xueliang.camera import service
from xueliang.camera.enums import Admission, ChannelKind, DeviceKind, Owner
from xueliang.camera.gbid import parse_gbid
from xueliang.camera.models import Channel, Device, Tollgate
from xueliang.camera.readers import Rejected, iter_rows
from xueliang.core.exceptions import InvalidInputError

BATCH = 500
SIM_KINDS = {  # sim kind → (channel kind, device kind)
    "face": (ChannelKind.face_capture, DeviceKind.face_capture),
    "checkpoint": (ChannelKind.checkpoint, DeviceKind.checkpoint),
    "ordinary": (ChannelKind.ordinary, DeviceKind.ipc),
    "traffic": (ChannelKind.traffic, DeviceKind.ipc),
    "legacy": (ChannelKind.legacy, DeviceKind.dvr),
}
TRUE = {"1", "true", "yes", "y", "t"}


@dataclass(frozen=True, slots=True)
class Options:
    key: str
    admit: bool = False
    stream_template: str | None = None
    stream_count: int = 0


@dataclass
class Stats:
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    admitted: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def count(self, kind: str, *, new: bool) -> None:
        target = self.inserted if new else self.updated
        target[kind] = target.get(kind, 0) + 1


@dataclass(frozen=True, slots=True)
class ChannelRow:
    channel_id: str
    device_id: str
    device_kind: str
    name: str
    kind: str
    owner: str
    region_code: str | None
    grid_code: str | None
    longitude: float | None
    latitude: float | None
    department_code: str | None
    tollgate_id: str | None
    main_url: str | None
    sub_url: str | None
    is_public: bool
    secret: str | None


class RowError(InvalidInputError):
    pass


def _num(row: dict[str, Any], name: str, low: float, high: float) -> float | None:
    raw = row.get(name, "")
    if raw in ("", None):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise RowError(f"not a number: {raw!r}", field=name) from None
    if not low <= value <= high:
        raise RowError(f"{value} is outside [{low}, {high}]", field=name)
    return value


def _text(row: dict[str, Any], name: str, *, required: bool = False, limit: int = 200) -> str | None:
    value = str(row.get(name, "") or "").strip()
    if required and not value:
        raise RowError("is required", field=name)
    if len(value) > limit:
        raise RowError(f"longer than {limit} characters", field=name)
    return value or None


def dvr_id(channel_id: str, community_code: str) -> str:
    """Legacy (analogue, type 131) cameras sit behind one DVR per community: same centre and
    industry, type 111, serial = the community's town and community digits + '0'."""
    return channel_id[:10] + "111" + community_code[6:12] + "0"


def sim_row(row: dict[str, Any]) -> ChannelRow:
    channel_id = _text(row, "device_id", required=True) or ""
    parse_gbid(channel_id, field="device_id")
    kinds = SIM_KINDS.get(str(row.get("kind", "")))
    if kinds is None:
        raise RowError(
            f"unknown kind {row.get('kind')!r} (face, checkpoint, ordinary, traffic, legacy)", field="kind"
        )
    community = _text(row, "community_code", limit=12)
    device_id = dvr_id(channel_id, community or "0" * 12) if kinds[0] is ChannelKind.legacy else channel_id
    return ChannelRow(
        channel_id=channel_id,
        device_id=device_id,
        device_kind=kinds[1],
        name=_text(row, "name", required=True) or "",
        kind=kinds[0],
        owner=Owner.social if row.get("owner") == "social" else Owner.own,
        region_code=community,
        grid_code=_text(row, "grid_code", limit=32),
        longitude=_num(row, "lon", -180, 180),
        latitude=_num(row, "lat", -90, 90),
        department_code=_text(row, "department_code", limit=64),
        tollgate_id=_text(row, "tollgate_id", limit=20),
        main_url=None,
        sub_url=None,
        is_public=False,
        secret=_text(row, "secret", limit=128),
    )


def generic_row(row: dict[str, Any]) -> ChannelRow:
    channel_id = _text(row, "channel_id", required=True) or ""
    parse_gbid(channel_id, field="channel_id")
    device_id = _text(row, "device_id", limit=20) or channel_id
    parse_gbid(device_id, field="device_id")
    kind = _text(row, "kind") or ChannelKind.ordinary
    if kind not in ChannelKind.__members__:
        raise RowError(f"unknown kind {kind!r} ({', '.join(ChannelKind)})", field="kind")
    owner = _text(row, "owner") or Owner.own
    if owner not in Owner.__members__:
        raise RowError(f"unknown owner {owner!r} (own, social)", field="owner")
    code = parse_gbid(device_id, field="device_id").type_code
    return ChannelRow(
        channel_id=channel_id,
        device_id=device_id,
        device_kind=_device_kind(code, kind),
        name=_text(row, "name", required=True) or "",
        kind=kind,
        owner=owner,
        region_code=_text(row, "region_code", limit=12),
        grid_code=_text(row, "grid_code", limit=32),
        longitude=_num(row, "longitude", -180, 180),
        latitude=_num(row, "latitude", -90, 90),
        department_code=_text(row, "department_code", limit=64),
        tollgate_id=_text(row, "tollgate_id", limit=20),
        main_url=_text(row, "main_stream_url", limit=1000),
        sub_url=_text(row, "sub_stream_url", limit=1000),
        is_public=str(row.get("is_public", "")).lower() in TRUE,
        secret=_text(row, "secret", limit=128),
    )


def _device_kind(type_code: str, kind: str) -> str:
    by_code = {
        "111": DeviceKind.dvr,
        "118": DeviceKind.nvr,
        "121": DeviceKind.checkpoint,
        "200": DeviceKind.platform,
    }
    if type_code in by_code:
        return by_code[type_code]
    return {"face_capture": DeviceKind.face_capture, "checkpoint": DeviceKind.checkpoint}.get(
        kind, DeviceKind.ipc
    )


def batches(
    rows: Iterable[tuple[int, dict[str, Any]]], size: int = BATCH
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


class ChannelImporter:
    """Upserts one batch at a time: devices first, then channels, looking existing ones up by id."""

    def __init__(self, *, db: Session, options: Options, stats: Stats) -> None:
        self.db, self.options, self.stats = db, options, stats
        self.ordinal = 0

    def run(self, path: Path) -> None:
        """Rows with a ``type_code`` column are the sim's cameras.csv; others the generic format."""
        for chunk in batches(iter_rows(path)):
            parsed: list[ChannelRow] = []
            for line, raw in chunk:
                try:
                    parsed.append(sim_row(raw) if "type_code" in raw else generic_row(raw))
                except InvalidInputError as exc:
                    self.stats.rejected.append(Rejected(path.name, line, exc.field or "", exc.detail))
            self._upsert(parsed)
            self.db.flush()
            self.db.expunge_all()

    def _upsert(self, rows: list[ChannelRow]) -> None:
        devices = self._lookup(Device, Device.device_id, {r.device_id for r in rows})
        channels = self._lookup(Channel, Channel.channel_id, {r.channel_id for r in rows})
        orgs = dict(
            self.db.execute(
                select(OrgUnit.code, OrgUnit.id).where(OrgUnit.code.in_({r.department_code for r in rows}))
            ).all()
        )
        gates = dict(
            self.db.execute(
                select(Tollgate.tollgate_id, Tollgate.id).where(
                    Tollgate.tollgate_id.in_({r.tollgate_id for r in rows})
                )
            ).all()
        )
        for row in rows:
            device = devices.get(row.device_id) or self._new_device(row, devices)
            self._admit(device, row)
            channel = channels.get(row.channel_id)
            self.stats.count("channels", new=channel is None)
            if channel is None:
                channel = channels[row.channel_id] = Channel(channel_id=row.channel_id)
                self.db.add(channel)
            self._fill(
                channel, row, device, orgs.get(row.department_code or ""), gates.get(row.tollgate_id or "")
            )

    def _lookup(self, model: Any, column: Any, ids: set[str]) -> dict[str, Any]:
        return {getattr(o, column.key): o for o in self.db.scalars(select(model).where(column.in_(ids)))}

    def _new_device(self, row: ChannelRow, devices: dict[str, Device]) -> Device:
        name = row.name if row.device_id == row.channel_id else f"DVR {row.device_id[-7:]}"
        device = Device(
            device_id=row.device_id,
            name=name,
            kind=row.device_kind,
            owner=row.owner,
            region_code=row.region_code,
        )
        device.longitude, device.latitude, device.admission = row.longitude, row.latitude, Admission.pending
        self.db.add(device)
        self.db.flush()
        devices[row.device_id] = device
        self.stats.count("devices", new=True)
        return device

    def _admit(self, device: Device, row: ChannelRow) -> None:
        if not self.options.admit:
            return
        if row.secret or device.secret_enc is None:
            secret = row.secret or service.derived_device_secret(
                key=self.options.key, device_id=device.device_id
            )
            service.set_device_secret(device=device, secret=secret, key=self.options.key)
        if device.admission != Admission.admitted:
            device.admission = Admission.admitted
            self.stats.admitted += 1

    def _fill(
        self, channel: Channel, row: ChannelRow, device: Device, org: int | None, gate: int | None
    ) -> None:
        channel.device_pk, channel.name, channel.kind, channel.owner = (
            device.id,
            row.name,
            row.kind,
            row.owner,
        )
        channel.region_code, channel.grid_code = row.region_code, row.grid_code
        channel.longitude, channel.latitude, channel.org_unit_id, channel.tollgate_pk = (
            row.longitude,
            row.latitude,
            org,
            gate,
        )
        channel.is_public = channel.is_public or row.is_public
        main, sub = row.main_url, row.sub_url
        if self.options.stream_template and main is None:
            index = self.ordinal % self.options.stream_count if self.options.stream_count else self.ordinal
            main = self.options.stream_template.format(index=index, device_id=row.channel_id)
        self.ordinal += 1
        if main or sub:
            service.set_stream_urls(channel=channel, key=self.options.key, main=main, sub=sub)
