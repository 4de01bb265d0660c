"""Every bus test runs on the memory backend, and on NATS when XUELIANG_TEST_NATS_URL is set."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from pydantic import BaseModel, ConfigDict

from xueliang.core.bus import Bus, ConsumerOptions, Handler, MemoryBus, NatsBus, Topic, make_bus
from xueliang.core.bus.base import Outcome, Subscription

NATS_URL = os.environ.get("XUELIANG_TEST_NATS_URL", "")
FAST = ConsumerOptions(max_deliver=3, backoff=(0.05,), ack_wait=5.0)

pytestmark = pytest.mark.anyio


class Pass(BaseModel):
    id: int
    plate: str


class Other(BaseModel):
    name: str


class Batch(BaseModel):
    model_config = ConfigDict(frozen=True)

    ids: tuple[int, ...]


PASSES = Topic("records.test_pass", Pass)
OTHERS = Topic("records.test_other", Other)
BATCHES = Topic("records.test_batch", Batch)

BusFactory = Callable[[], Bus]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["memory", "nats"])
async def new_bus(request: pytest.FixtureRequest) -> AsyncIterator[BusFactory]:
    """A factory of started-on-use buses sharing one backend and, for NATS, one unique namespace."""
    if request.param == "nats" and not NATS_URL:
        pytest.skip("NATS backend: set XUELIANG_TEST_NATS_URL=nats://127.0.0.1:4222 to run")
    namespace = f"t{uuid.uuid4().hex[:12]}"
    memory = MemoryBus()

    def factory() -> Bus:
        return memory if request.param == "memory" else make_bus(f"{NATS_URL}?namespace={namespace}")

    yield factory
    if request.param == "nats":
        async with NatsBus.from_url(f"{NATS_URL}?namespace={namespace}") as cleaner:
            await cleaner.delete_streams()


@pytest.fixture
async def bus(new_bus: BusFactory) -> AsyncIterator[Bus]:
    async with new_bus() as started:
        yield started


async def _settle(bus: Bus) -> None:
    async with asyncio.timeout(5):
        await bus.wait_idle()


def _collector(into: list[Pass]) -> Handler[Pass]:
    async def handle(message: Pass) -> None:
        into.append(message)

    return handle


async def test_bus__typed_round_trip(bus: Bus) -> None:
    got: list[Pass] = []
    await bus.subscribe(PASSES, durable="matcher", handler=_collector(got))
    await bus.publish(PASSES, Pass(id=1, plate="京A12345"))
    await _settle(bus)
    assert got == [Pass(id=1, plate="京A12345")]
    assert type(got[0]) is Pass


async def test_bus__each_durable_gets_every_message(bus: Bus) -> None:
    got_a: list[Pass] = []
    got_b: list[Pass] = []
    await bus.subscribe(PASSES, durable="dispositions", handler=_collector(got_a))
    await bus.subscribe(PASSES, durable="cloned_plates", handler=_collector(got_b))
    for i in range(5):
        await bus.publish(PASSES, Pass(id=i, plate="P"))
    await _settle(bus)
    assert [m.id for m in got_a] == [0, 1, 2, 3, 4]
    assert [m.id for m in got_b] == [0, 1, 2, 3, 4]


async def test_bus__subscriptions_of_one_durable_share_the_work(bus: Bus) -> None:
    got: list[Pass] = []
    for _ in range(2):
        await bus.subscribe(PASSES, durable="forwarder", handler=_collector(got))
    for i in range(20):
        await bus.publish(PASSES, Pass(id=i, plate="P"))
    await _settle(bus)
    assert sorted(m.id for m in got) == list(range(20))


async def test_bus__order_within_topic_for_one_consumer(bus: Bus) -> None:
    got: list[Pass] = []
    await bus.subscribe(PASSES, durable="ordered", handler=_collector(got))
    for i in range(50):
        await bus.publish(PASSES, Pass(id=i, plate="P"))
    await _settle(bus)
    assert [m.id for m in got] == list(range(50))


async def test_bus__failed_handler_gets_the_message_again(bus: Bus) -> None:
    attempts: list[int] = []

    async def flaky(message: Pass) -> None:
        attempts.append(message.id)
        if len(attempts) == 1:
            raise RuntimeError("database busy")

    sub = await bus.subscribe(PASSES, durable="flaky", handler=flaky, options=FAST)
    await bus.publish(PASSES, Pass(id=7, plate="P"))
    await _settle(bus)
    assert attempts == [7, 7]
    assert (sub.stats.retried, sub.stats.acked, sub.stats.dead_lettered) == (1, 1, 0)


async def test_bus__dead_letters_after_max_deliver(bus: Bus, caplog: pytest.LogCaptureFixture) -> None:
    attempts: list[int] = []

    async def broken(message: Pass) -> None:
        attempts.append(message.id)
        raise ValueError("bug")

    sub = await bus.subscribe(PASSES, durable="broken", handler=broken, options=FAST)
    with caplog.at_level(logging.ERROR, logger="xueliang.core.bus.base"):
        await bus.publish(PASSES, Pass(id=3, plate="P"))
        await _settle(bus)
        await asyncio.sleep(0.2)  # a redelivery after dead-lettering would show up here
    assert attempts == [3, 3, 3]
    assert sub.stats.dead_lettered == 1
    assert "dead-lettered" in caplog.text


async def test_bus__consumer_keeps_messages_while_stopped(bus: Bus) -> None:
    got: list[Pass] = []
    sub = await bus.subscribe(PASSES, durable="pausing", handler=_collector(got))
    await sub.stop()
    await bus.publish(PASSES, Pass(id=1, plate="P"))
    await bus.subscribe(PASSES, durable="pausing", handler=_collector(got))
    await _settle(bus)
    assert [m.id for m in got] == [1]


async def test_bus__new_durable_starts_after_earlier_messages(bus: Bus) -> None:
    got: list[Pass] = []
    await bus.publish(PASSES, Pass(id=1, plate="P"))
    await bus.subscribe(PASSES, durable="late", handler=_collector(got))
    await bus.publish(PASSES, Pass(id=2, plate="P"))
    await _settle(bus)
    assert [m.id for m in got] == [2]


async def test_bus__durable_name_is_scoped_per_topic(bus: Bus) -> None:
    passes: list[Pass] = []
    others: list[Other] = []

    async def on_other(message: Other) -> None:
        others.append(message)

    await bus.subscribe(PASSES, durable="same", handler=_collector(passes))
    await bus.subscribe(OTHERS, durable="same", handler=on_other)
    await bus.publish(PASSES, Pass(id=1, plate="P"))
    await bus.publish(OTHERS, Other(name="x"))
    await _settle(bus)
    assert ([m.id for m in passes], others) == ([1], [Other(name="x")])


async def test_bus__frozen_messages_round_trip_and_are_shared_in_process(bus: Bus) -> None:
    got_a: list[Batch] = []
    got_b: list[Batch] = []

    async def into(target: list[Batch], message: Batch) -> None:
        target.append(message)

    await bus.subscribe(BATCHES, durable="a", handler=lambda m: into(got_a, m))
    await bus.subscribe(BATCHES, durable="b", handler=lambda m: into(got_b, m))
    sent = Batch(ids=(1, 2, 3))
    await bus.publish(BATCHES, sent)
    await _settle(bus)
    assert got_a == got_b == [sent]
    if isinstance(bus, MemoryBus):  # no JSON round trip: every consumer gets the immutable original
        assert got_a[0] is sent and got_b[0] is sent
    with pytest.raises(TypeError, match=r"records\.test_batch carries Batch, not Pass"):
        await bus.publish(BATCHES, Pass(id=1, plate="P"))  # type: ignore[arg-type]


async def test_bus__publish_refuses_the_wrong_model(bus: Bus) -> None:
    with pytest.raises(TypeError, match=r"records\.test_pass carries Pass, not Other"):
        await bus.publish(PASSES, Other(name="x"))  # type: ignore[misc]


async def test_bus__durable_across_reconnect(new_bus: BusFactory) -> None:
    if isinstance(new_bus(), MemoryBus):
        pytest.skip("the memory bus keeps nothing across a restart, by design")
    got: list[Pass] = []
    async with new_bus() as first:
        await first.subscribe(PASSES, durable="survivor", handler=_collector(got))
        await first.publish(PASSES, Pass(id=1, plate="P"))
        await _settle(first)
    async with new_bus() as publisher:  # the consumer process is down meanwhile
        await publisher.publish(PASSES, Pass(id=2, plate="P"))
    async with new_bus() as restarted:
        await restarted.subscribe(PASSES, durable="survivor", handler=_collector(got))
        await _settle(restarted)
    assert [m.id for m in got] == [1, 2]


async def test_subscription__undecodable_payload_is_dead_at_once() -> None:
    sub = Subscription(PASSES, "d", _collector([]), FAST)
    assert await sub.deliver(b'{"id": "not a number"}', attempt=1, seq=1) is Outcome.DEAD
    assert sub.stats.dead_lettered == 1


async def test_memory_bus__refuses_use_before_start() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        await MemoryBus().publish(PASSES, Pass(id=1, plate="P"))


@pytest.mark.parametrize("subject", ["records", "Records.x", "records.>", "records..x", "records.a b"])
def test_topic__rejects_bad_subjects(subject: str) -> None:
    with pytest.raises(ValueError, match="dot-separated"):
        Topic(subject, Pass)


def test_consumer_options__backoff_repeats_its_last_value() -> None:
    options = ConsumerOptions(backoff=(1.0, 5.0))
    assert [options.delay(n) for n in (1, 2, 3, 9)] == [1.0, 5.0, 5.0, 5.0]


@pytest.mark.parametrize(
    ("url", "kind"),
    [("", "memory"), ("memory://", "memory"), ("nats://127.0.0.1:4222", "nats"), ("tls://h:4222", "nats")],
)
def test_make_bus__picks_the_backend_by_scheme(url: str, kind: str) -> None:
    assert make_bus(url).type == kind


def test_make_bus__nats_url_carries_servers_and_namespace() -> None:
    bus = make_bus("nats://a:4222,nats://b:4222?namespace=xl_test&max_age_s=60")
    assert isinstance(bus, NatsBus)
    assert (bus.servers, bus.namespace, bus.max_age_s) == (
        ["nats://a:4222", "nats://b:4222"],
        "xl_test",
        60.0,
    )
    assert bus.stream_name(PASSES) == "XL_TEST_RECORDS"
    assert bus.subject(PASSES) == "xl_test.records.test_pass"


@pytest.mark.parametrize("url", ["kafka://h:9092", "nats://h:4222?stream=x"])
def test_make_bus__refuses_unknown_urls(url: str) -> None:
    with pytest.raises(ValueError, match="unknown"):
        make_bus(url)
