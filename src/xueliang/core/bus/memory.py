"""In-process bus backend: one asyncio queue per durable consumer, nothing survives the process.

A message published while a topic has no consumer is dropped, as on NATS a consumer only sees
messages published after it was created; subscribe during startup, before publishers run.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from xueliang.core.bus.base import (
    Bus,
    ConsumerOptions,
    Handler,
    Outcome,
    Subscription,
    T,
    Topic,
    check_durable,
    poll_until,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Envelope:
    seq: int
    data: bytes  # b"" when ``message`` is set
    attempt: int = 1
    message: Any = None  # a frozen message, shared by every consumer (no encode, no decode)


class _Consumer:
    """The shared state of one durable consumer: its queue and redeliveries not yet due."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[_Envelope] = asyncio.Queue()
        self.delayed: set[asyncio.TimerHandle] = set()
        self.in_flight = 0

    @property
    def idle(self) -> bool:
        return self.queue.empty() and not self.delayed and self.in_flight == 0

    def redeliver_later(self, envelope: _Envelope, delay: float) -> None:
        retry = replace(envelope, attempt=envelope.attempt + 1)

        def put() -> None:
            self.delayed.discard(handle)
            self.queue.put_nowait(retry)

        handle = asyncio.get_running_loop().call_later(delay, put)
        self.delayed.add(handle)

    def cancel_delayed(self) -> None:
        for handle in self.delayed:
            handle.cancel()
        self.delayed.clear()


class MemoryBus(Bus):
    type = "memory"

    def __init__(self) -> None:
        self._consumers: defaultdict[str, dict[str, _Consumer]] = defaultdict(dict)
        self._subscriptions: list[Subscription[Any]] = []
        self._seq = 0
        self._started = False

    @classmethod
    def from_url(cls, url: str) -> MemoryBus:
        return cls()

    async def start(self) -> None:
        self._started = True

    async def close(self) -> None:
        for sub in self._subscriptions:
            await sub.stop()
        for consumers in self._consumers.values():
            for consumer in consumers.values():
                consumer.cancel_delayed()
        self._subscriptions.clear()
        self._started = False

    async def publish(self, topic: Topic[T], message: T) -> None:
        """Encode the message for each consumer to decode, as a broker would; a frozen message is
        type-checked and shared instead (for the record topics, the JSON round trip cost more per
        record than parsing the record; their serialisation is exercised by the NATS tests)."""
        shared: Any = None
        if topic.immutable:
            if not isinstance(message, topic.model):
                raise TypeError(
                    f"topic {topic.subject} carries {topic.model.__name__}, not {type(message).__name__}"
                )
            data, shared = b"", message
        else:
            data = topic.encode(message)
        self._check_started()
        self._seq += 1
        consumers = self._consumers.get(topic.subject, {})
        if not consumers:
            logger.debug("bus message dropped, no consumer: subject=%s seq=%s", topic.subject, self._seq)
        for consumer in consumers.values():
            consumer.queue.put_nowait(_Envelope(self._seq, data, message=shared))

    async def subscribe(
        self,
        topic: Topic[T],
        *,
        durable: str,
        handler: Handler[T],
        options: ConsumerOptions | None = None,
    ) -> Subscription[T]:
        check_durable(durable)
        self._check_started()
        consumer = self._consumers[topic.subject].setdefault(durable, _Consumer())
        sub = Subscription(topic, durable, handler, options or ConsumerOptions())
        sub.task = asyncio.create_task(self._consume(sub, consumer), name=f"bus:{topic.subject}:{durable}")
        self._subscriptions.append(sub)
        return sub

    async def wait_idle(self) -> None:
        async def idle() -> bool:
            return all(c.idle for cs in self._consumers.values() for c in cs.values())

        await poll_until(idle)

    async def _consume(self, sub: Subscription[T], consumer: _Consumer) -> None:
        while True:
            envelope = await consumer.queue.get()
            consumer.in_flight += 1
            try:
                if envelope.message is not None:
                    outcome = await sub.deliver_message(envelope.message, envelope.attempt, envelope.seq)
                else:
                    outcome = await sub.deliver(envelope.data, envelope.attempt, envelope.seq)
            except asyncio.CancelledError:
                consumer.queue.put_nowait(envelope)  # stopped mid-handler: not acked, so deliver again
                raise
            finally:
                consumer.in_flight -= 1
            if outcome is Outcome.RETRY:
                consumer.redeliver_later(envelope, sub.options.delay(envelope.attempt))

    def _check_started(self) -> None:
        if not self._started:
            raise RuntimeError("bus not started: call `await bus.start()` or use `async with`")
