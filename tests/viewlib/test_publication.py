"""The publication ledger: a batch stored but not yet published when the process died is published
again at the next start; a clean stop republishes nothing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.viewlib.helpers import chdb_store, motor_vehicle
from xueliang.core.blobs import BlobStore
from xueliang.core.bus import MemoryBus
from xueliang.core.config import Environment, Settings
from xueliang.viewlib import service
from xueliang.viewlib.dependencies import ViewLibrary, ledger_path, republish_due
from xueliang.viewlib.kinds import MOTOR_VEHICLE
from xueliang.viewlib.parse import ParseOptions, parse_object
from xueliang.viewlib.publication import SKEW, Ledger
from xueliang.viewlib.schemas import RECORDS_MOTOR_VEHICLE, RecordsStored, RecordStored
from xueliang.viewlib.stores.base import RecordStore
from xueliang.viewlib.stores.memory_store import MemoryStore
from xueliang.viewlib.writer import BatchWriter

PICTURE = {"SubImageList": {"SubImageInfoObject": [{"Type": "01", "Data": "aGVsbG8="}]}}


def _state(path: Path) -> dict[str, object]:
    return dict(json.loads(path.read_text()))


def test_ledger__clean_stop_leaves_nothing_due(tmp_path: Path) -> None:
    path = tmp_path / "publication.json"
    ledger = Ledger(path)
    assert ledger.replay_from is None and Ledger.due(path)  # running: not clean until closed
    ledger.give_back(ledger.take())
    ledger.close()
    assert _state(path)["clean"] is True and not Ledger.due(path)
    assert Ledger(path).replay_from is None


def test_ledger__crash_with_a_batch_out_keeps_its_time_due(tmp_path: Path) -> None:
    path = tmp_path / "publication.json"
    ledger = Ledger(path)
    before = datetime.now(UTC)
    ticket = ledger.take()
    ledger.give_back(ledger.take())  # another batch completes and saves; the first is still out
    ledger.save()
    assert before <= datetime.fromisoformat(str(_state(path)["watermark"])) <= datetime.now(UTC)
    reopened = Ledger(path)  # the process died: no close()
    assert reopened.replay_from is not None and reopened.replay_from <= before - SKEW + timedelta(seconds=1)
    ledger.give_back(ticket)
    ledger.close()  # the first process's late close must not be mistaken for the new one's


def test_ledger__close_with_a_batch_still_out_is_not_clean(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "publication.json")
    ledger.take()
    ledger.close()
    assert Ledger.due(tmp_path / "publication.json")


@pytest.mark.parametrize("make", [chdb_store, MemoryStore], ids=["chdb", "memory"])
def test_republish__stored_but_unpublished_records_reach_the_bus(
    tmp_path: Path, make: type[RecordStore]
) -> None:
    store, bus = make(), MemoryBus()
    dead = Ledger(tmp_path / "publication.json")  # the run that dies after storing, before publishing
    opts = ParseOptions(tz="Asia/Shanghai")
    objects = [motor_vehicle(1, plate="湘A00001"), motor_vehicle(2, plate="湘A00002", **PICTURE)]
    parsed = [parse_object(MOTOR_VEHICLE, o, opts) for o in objects]
    parsed[1].images = parsed[1].row["images"] = ["ab" * 32]  # as if its picture went to the blob store
    seen: list[RecordStored] = []

    async def go() -> int:
        await bus.start()
        writer = BatchWriter(store)
        dead.take()
        await service.store_batch_async(writer=writer, kind=MOTOR_VEHICLE, parsed=parsed)
        writer.close()

        async def watch(message: RecordsStored) -> None:
            seen.extend(message.records)

        await bus.subscribe(RECORDS_MOTOR_VEHICLE, durable="watch", handler=watch)
        restarted = Ledger(tmp_path / "publication.json")
        count = await service.republish(store=store, bus=bus, ledger=restarted, tz="Asia/Shanghai")
        await asyncio.wait_for(bus.wait_idle(), 10)
        await bus.close()
        restarted.close()
        return count

    assert asyncio.run(go()) == 2
    by_plate = {m.plate_no: m for m in seen}
    assert sorted(by_plate) == ["湘A00001", "湘A00002"]
    assert by_plate["湘A00001"].event_time == parsed[0].event_time
    assert (by_plate["湘A00001"].completable, by_plate["湘A00002"].completable) == (False, True)
    assert by_plate["湘A00002"].images == ("ab" * 32,)
    assert not Ledger.due(tmp_path / "publication.json")  # replayed, then stopped cleanly


def test_republish_due__runs_only_after_an_unclean_stop(tmp_path: Path) -> None:
    settings = Settings(env=Environment.test, data_dir=tmp_path, secret_key="k" * 64)
    store, bus = MemoryStore(), MemoryBus()
    state = SimpleNamespace(settings=settings)
    row = parse_object(MOTOR_VEHICLE, motor_vehicle(1), ParseOptions(tz="Asia/Shanghai")).row

    async def start() -> int:  # what the app's lifespan does, on a library opened beforehand
        state.viewlib = ViewLibrary(store=store, writer=BatchWriter(store), blobs=BlobStore(tmp_path / "b"),
                                    ledger=Ledger(ledger_path(settings)))  # fmt: skip
        await bus.start()
        try:
            return await republish_due(state, bus)
        finally:
            await bus.close()
            state.viewlib.close()

    assert asyncio.run(start()) == 0  # first start: no ledger file, nothing due
    Ledger(ledger_path(settings))  # a run that takes and dies without closing
    store.insert(MOTOR_VEHICLE, [row])
    assert asyncio.run(start()) == 1
    assert asyncio.run(start()) == 0  # the replay's run stopped cleanly
