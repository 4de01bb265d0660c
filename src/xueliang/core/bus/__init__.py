"""The event bus: typed topics over an in-process or a NATS JetStream backend.

>>> RECORDS_MOTOR_VEHICLE = Topic("records.motor_vehicle", MotorVehicleRecord)
>>> bus = make_bus(settings.bus_url)          # "" / "memory://" or "nats://127.0.0.1:4222"
>>> await bus.subscribe(RECORDS_MOTOR_VEHICLE, durable="dispositions", handler=match_plate)
>>> await bus.publish(RECORDS_MOTOR_VEHICLE, record)

Delivery guarantees are in ``xueliang.core.bus.base`` and docs/bus-and-scheduler.md.
"""

from collections.abc import Callable

from xueliang.core.bus.base import (
    Bus,
    ConsumerOptions,
    Handler,
    Subscription,
    SubscriptionStats,
    Topic,
)
from xueliang.core.bus.memory import MemoryBus
from xueliang.core.bus.nats import NatsBus

__all__ = [
    "BACKENDS",
    "Bus",
    "ConsumerOptions",
    "Handler",
    "MemoryBus",
    "NatsBus",
    "Subscription",
    "SubscriptionStats",
    "Topic",
    "make_bus",
    "register_backend",
]

BusFactory = Callable[[str], Bus]

BACKENDS: dict[str, BusFactory] = {
    "memory": MemoryBus.from_url,
    "nats": NatsBus.from_url,
    "tls": NatsBus.from_url,
}


def register_backend(scheme: str, factory: BusFactory) -> None:
    """Make ``make_bus`` build ``factory(url)`` for URLs of ``scheme``."""
    BACKENDS[scheme] = factory


def make_bus(url: str) -> Bus:
    """Build the bus for ``url``: "" or ``memory://`` in-process, ``nats://host:port`` JetStream."""
    scheme = url.partition("://")[0] if "://" in url else (url or "memory")
    try:
        factory = BACKENDS[scheme]
    except KeyError:
        raise ValueError(f"unknown bus URL scheme {scheme!r}; known: {sorted(BACKENDS)}") from None
    return factory(url)
