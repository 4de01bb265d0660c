"""NATS JetStream bus backend (nats-py): file-backed streams, durable pull consumers, explicit acks.

Layout on the server, for namespace ``xueliang`` (configurable so that tests and several
deployments can share one server):

- topic ``records.motor_vehicle`` is published on subject ``xueliang.records.motor_vehicle``;
- one stream per topic prefix, ``XUELIANG_RECORDS`` with subjects ``xueliang.records.>``, created
  on first use with limits retention (``max_age``, 7 days by default);
- durable ``dispositions`` on that topic is the pull consumer ``dispositions__records_motor_vehicle``
  (deliver policy *new*, explicit ack, ``ack_wait``, ``max_deliver``) which survives restarts.

A failed handler naks with the backoff delay; the last failed attempt terms the message (our
dead-letter, logged). If the process dies instead, the server redelivers after ``ack_wait`` and,
past ``max_deliver``, drops the message with a ``$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES`` advisory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import parse_qs

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy, RetentionPolicy, StorageType

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

DEFAULT_MAX_AGE_S = 7 * 24 * 3600.0


class NatsBus(Bus):
    type = "nats"

    def __init__(
        self,
        servers: list[str],
        *,
        namespace: str = "xueliang",
        max_age_s: float = DEFAULT_MAX_AGE_S,
        fetch_timeout_s: float = 1.0,
    ) -> None:
        self.servers = servers
        self.namespace = namespace
        self.max_age_s = max_age_s
        self.fetch_timeout_s = fetch_timeout_s
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._streams: set[str] = set()
        self._stream_lock = asyncio.Lock()
        self._subscriptions: list[tuple[Subscription[Any], JetStreamContext.PullSubscription]] = []

    @classmethod
    def from_url(cls, url: str) -> NatsBus:
        """``nats://h1:4222[,nats://h2:4222][?namespace=xl&max_age_s=86400]``."""
        servers, _, query = url.partition("?")
        params = {key: values[-1] for key, values in parse_qs(query).items()}
        unknown = set(params) - {"namespace", "max_age_s"}
        if unknown:
            raise ValueError(f"unknown NATS bus URL parameters: {sorted(unknown)}")
        return cls(
            servers.split(","),
            namespace=params.get("namespace", "xueliang"),
            max_age_s=float(params.get("max_age_s", DEFAULT_MAX_AGE_S)),
        )

    async def start(self) -> None:
        self._nc = await nats.connect(
            servers=self.servers,
            name=f"xueliang-{self.namespace}",
            max_reconnect_attempts=-1,
            disconnected_cb=self._on_disconnect,
            reconnected_cb=self._on_reconnect,
        )
        self._js = self._nc.jetstream()
        logger.info("bus connected: type=nats servers=%s namespace=%s", self.servers, self.namespace)

    async def close(self) -> None:
        for sub, psub in self._subscriptions:
            await sub.stop()
            with contextlib.suppress(nats.errors.Error):  # connection already gone: nothing to undo
                await psub.unsubscribe()
        self._subscriptions.clear()
        if self._nc is not None:
            with contextlib.suppress(nats.errors.Error):
                await self._nc.flush()  # pending acks and naks reach the server before we go
            await self._nc.close()
        self._nc = self._js = None
        self._streams.clear()

    async def publish(self, topic: Topic[T], message: T) -> None:
        data = topic.encode(message)
        stream = await self._ensure_stream(topic)
        await self._jetstream().publish(self.subject(topic), data, stream=stream)

    async def subscribe(
        self,
        topic: Topic[T],
        *,
        durable: str,
        handler: Handler[T],
        options: ConsumerOptions | None = None,
    ) -> Subscription[T]:
        check_durable(durable)
        sub = Subscription(topic, durable, handler, options or ConsumerOptions())
        psub = await self._jetstream().pull_subscribe(
            self.subject(topic),
            durable=self.consumer_name(topic, durable),
            stream=await self._ensure_stream(topic),
            config=_consumer_config(sub.options),
        )
        sub.task = asyncio.create_task(self._consume(sub, psub), name=f"bus:{topic.subject}:{durable}")
        self._subscriptions.append((sub, psub))
        return sub

    async def wait_idle(self) -> None:
        async def idle() -> bool:
            for sub, psub in self._subscriptions:
                info = await psub.consumer_info()
                if sub.busy or info.num_pending or info.num_ack_pending:
                    return False
            return True

        await poll_until(idle)

    async def delete_streams(self) -> None:
        """Delete every stream of this bus's namespace, consumers included (test clean-up)."""
        jsm = self._jetstream()
        for info in await jsm.streams_info():
            if info.config.name and info.config.name.startswith(f"{self.namespace.upper()}_"):
                await jsm.delete_stream(info.config.name)
        self._streams.clear()

    def subject(self, topic: Topic[Any]) -> str:
        return f"{self.namespace}.{topic.subject}"

    def stream_name(self, topic: Topic[Any]) -> str:
        return f"{self.namespace}_{topic.prefix}".upper()

    @staticmethod
    def consumer_name(topic: Topic[Any], durable: str) -> str:
        return f"{durable}__{topic.subject.replace('.', '_')}"

    async def _ensure_stream(self, topic: Topic[Any]) -> str:
        name = self.stream_name(topic)
        async with self._stream_lock:
            if name not in self._streams:
                await self._create_stream(name, f"{self.namespace}.{topic.prefix}.>")
                self._streams.add(name)
        return name

    async def _create_stream(self, name: str, subjects: str) -> None:
        jsm = self._jetstream()
        try:
            await jsm.stream_info(name)
        except nats.js.errors.NotFoundError:
            await jsm.add_stream(
                name=name,
                subjects=[subjects],
                retention=RetentionPolicy.LIMITS,
                storage=StorageType.FILE,
                max_age=self.max_age_s,
            )
            logger.info("bus stream created: stream=%s subjects=%s", name, subjects)

    async def _consume(self, sub: Subscription[T], psub: JetStreamContext.PullSubscription) -> None:
        while True:
            try:
                msgs = await psub.fetch(sub.options.batch, timeout=self.fetch_timeout_s)
            except nats.errors.TimeoutError:
                continue
            except Exception as exc:  # connection trouble: nats-py reconnects, we retry the fetch
                logger.warning("bus fetch failed: subject=%s error=%r", sub.topic.subject, exc)
                await asyncio.sleep(1.0)
                continue
            for msg in msgs:
                await _settle(sub, msg)

    def _jetstream(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("bus not started: call `await bus.start()` or use `async with`")
        return self._js

    async def _on_disconnect(self) -> None:
        logger.warning("bus disconnected from NATS: servers=%s", self.servers)

    async def _on_reconnect(self) -> None:
        logger.info("bus reconnected to NATS: servers=%s", self.servers)


def _consumer_config(options: ConsumerOptions) -> ConsumerConfig:
    return ConsumerConfig(
        deliver_policy=DeliverPolicy.NEW,
        ack_wait=options.ack_wait,
        max_deliver=options.max_deliver,
    )


async def _settle(sub: Subscription[T], msg: Msg) -> None:
    """Deliver one message and ack, nak with backoff, or term it according to the outcome."""
    meta = msg.metadata
    attempt = meta.num_delivered
    outcome = await sub.deliver(msg.data, attempt, meta.sequence.stream)
    if outcome is Outcome.ACK:
        await msg.ack()
    elif outcome is Outcome.RETRY:
        await msg.nak(delay=sub.options.delay(attempt))
    else:
        await msg.term()
