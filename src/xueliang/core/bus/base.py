"""The bus interface: typed topics, durable consumers, at-least-once delivery.

Contract shared by every backend (see docs/bus-and-scheduler.md):

- ``publish`` returns once the message is accepted (on NATS: stored by JetStream and acked).
- Every durable consumer of a topic gets every message published after it was first created;
  subscriptions that share a durable name share that consumer's work (competing consumers).
- At-least-once: the handler returning acks the message; an exception schedules a redelivery
  after ``ConsumerOptions.backoff``; after ``max_deliver`` attempts the message is *dead-lettered*:
  logged at ERROR with its sequence number, counted in ``SubscriptionStats.dead_lettered``, and
  never delivered again. A payload the topic's model cannot parse is dead-lettered at once.
- Order: one consumer sees messages in publish order on first delivery; a redelivered message
  comes after the ones already delivered. Handlers must be idempotent and not rely on strict order.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ValidationError

logger = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
Handler = Callable[[T], Awaitable[None]]

_SUBJECT_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_DURABLE_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Topic(Generic[T]):
    """A subject name bound to the pydantic model its messages carry, serialised as JSON.

    Subjects are dot-separated lowercase tokens, at least two (``records.motor_vehicle``); the first
    token is the *prefix* that groups topics into one JetStream stream.
    """

    subject: str
    model: type[T]

    def __post_init__(self) -> None:
        if not _SUBJECT_RE.fullmatch(self.subject):
            raise ValueError(f"topic subject {self.subject!r} must be 2+ dot-separated tokens of [a-z0-9_]")

    @property
    def prefix(self) -> str:
        return self.subject.split(".", 1)[0]

    def encode(self, message: T) -> bytes:
        if not isinstance(message, self.model):
            raise TypeError(
                f"topic {self.subject} carries {self.model.__name__}, not {type(message).__name__}"
            )
        return message.model_dump_json().encode()

    def decode(self, data: bytes) -> T:
        return self.model.model_validate_json(data)

    @property
    def immutable(self) -> bool:
        """Frozen messages may be handed to every in-process consumer as they are, unencoded."""
        return bool(self.model.model_config.get("frozen"))


def check_durable(durable: str) -> None:
    if not _DURABLE_RE.fullmatch(durable):
        raise ValueError(f"durable name {durable!r} must match {_DURABLE_RE.pattern}")


@dataclass(frozen=True)
class ConsumerOptions:
    """Redelivery and flow settings of one durable consumer."""

    max_deliver: int = 5
    """Attempts before a failing message is dead-lettered."""
    backoff: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0)
    """Seconds before redelivery after failed attempt n (the last value repeats)."""
    ack_wait: float = 30.0
    """NATS only: seconds a delivered, unacknowledged message waits before the server redelivers it."""
    batch: int = 10
    """NATS only: messages fetched per pull request."""

    def __post_init__(self) -> None:
        if self.max_deliver < 1 or not self.backoff or self.batch < 1:
            raise ValueError("max_deliver and batch must be >= 1 and backoff non-empty")

    def delay(self, attempt: int) -> float:
        return self.backoff[min(attempt, len(self.backoff)) - 1]


@dataclass
class SubscriptionStats:
    delivered: int = 0
    acked: int = 0
    retried: int = 0
    dead_lettered: int = 0


class Outcome(enum.Enum):
    ACK = "ack"
    RETRY = "retry"
    DEAD = "dead"


@dataclass(eq=False)
class Subscription(Generic[T]):
    """One running consumer loop; ``stop()`` ends it, the durable consumer itself persists."""

    topic: Topic[T]
    durable: str
    handler: Handler[T]
    options: ConsumerOptions
    stats: SubscriptionStats = field(default_factory=SubscriptionStats)
    busy: bool = False
    task: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        if self.task is None:
            return
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        self.task = None

    async def deliver(self, data: bytes, attempt: int, seq: int) -> Outcome:
        """Run the handler on one delivery and decide what the backend does with the message."""
        try:
            message = self.topic.decode(data)
        except ValidationError as exc:
            self.stats.delivered += 1
            return self._dead(seq, attempt, f"undecodable payload: {exc.error_count()} errors")
        return await self.deliver_message(message, attempt, seq)

    async def deliver_message(self, message: T, attempt: int, seq: int) -> Outcome:
        """``deliver`` for a message that is already decoded (the in-process bus, frozen models)."""
        self.stats.delivered += 1
        self.busy = True
        try:
            await self.handler(message)
        except Exception as exc:
            return self._failed(seq, attempt, exc)
        finally:
            self.busy = False
        self.stats.acked += 1
        return Outcome.ACK

    def _failed(self, seq: int, attempt: int, exc: Exception) -> Outcome:
        if attempt >= self.options.max_deliver:
            return self._dead(seq, attempt, repr(exc))
        self.stats.retried += 1
        logger.warning(
            "bus handler failed: subject=%s durable=%s seq=%s attempt=%s/%s error=%r",
            self.topic.subject, self.durable, seq, attempt, self.options.max_deliver, exc,
        )  # fmt: skip
        return Outcome.RETRY

    def _dead(self, seq: int, attempt: int, reason: str) -> Outcome:
        self.stats.dead_lettered += 1
        logger.error(
            "bus message dead-lettered: subject=%s durable=%s seq=%s attempts=%s reason=%s",
            self.topic.subject, self.durable, seq, attempt, reason,
        )  # fmt: skip
        return Outcome.DEAD


class Bus(ABC):
    """A publish/subscribe bus; use as ``async with make_bus(url) as bus:`` or start()/close()."""

    type: ClassVar[str]
    """The backend key, as in ``BACKENDS``."""

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def close(self) -> None:
        """Stop every subscription of this bus and release the connection."""

    @abstractmethod
    async def publish(self, topic: Topic[T], message: T) -> None:
        """Return once the message is accepted; TypeError if it is not a ``topic.model``."""

    @abstractmethod
    async def subscribe(
        self,
        topic: Topic[T],
        *,
        durable: str,
        handler: Handler[T],
        options: ConsumerOptions | None = None,
    ) -> Subscription[T]:
        """Attach ``handler`` to the durable consumer ``durable`` of ``topic``, creating it if new.

        The durable name is scoped to the topic: the same name on two topics is two consumers.
        """

    @abstractmethod
    async def wait_idle(self) -> None:
        """Wait until this bus's subscriptions have nothing pending or in flight (tests, shutdown).

        It does not give up by itself: bound it with ``async with asyncio.timeout(5):``.
        """

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def poll_until(check: Callable[[], Awaitable[bool]], interval: float = 0.01) -> None:
    """Poll ``check`` every ``interval`` seconds until it is true.

    Polling, not an Event, because the NATS side (consumer info on the server) can only be asked.
    """
    while not await check():  # noqa: ASYNC110
        await asyncio.sleep(interval)
