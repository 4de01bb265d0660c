"""Pluggable notifications keyed by ``type``: ``in_app`` (a table), ``webhook`` (JSON POST) and
``sms`` (an ``SmsGateway`` interface; ``FakeSmsGateway`` records messages). Used on dispatch,
supervision, and by the sweep for warnings, reminders (催办) and escalation (督办).

A failing webhook or gateway is logged and never undoes the transition that triggered it.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from xueliang.core.config import Settings
from xueliang.core.db import utcnow
from xueliang.core.exceptions import ConfigurationError
from xueliang.incident.models import Incident, Notification

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    incident_id: int
    kind: str  # dispatch | warning | reminder | escalation
    message: str
    org_unit_id: int | None = None
    user_id: int | None = None


class Notifier(Protocol):
    type: str

    def send(self, db: Session, notices: Sequence[Notice]) -> None: ...


class InAppNotifier:
    type = "in_app"

    def send(self, db: Session, notices: Sequence[Notice]) -> None:
        if not notices:
            return
        now = utcnow()
        rows = [
            {
                "incident_id": n.incident_id,
                "kind": n.kind,
                "org_unit_id": n.org_unit_id,
                "user_id": n.user_id,
                "message": n.message[:500],
                "created_at": now,
            }
            for n in notices
        ]
        db.execute(insert(cast(Table, Notification.__table__)), rows)


class WebhookNotifier:
    type = "webhook"

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError("XUELIANG_INCIDENT_WEBHOOK_URL must be an http(s) URL")
        self.url, self.timeout = url, timeout

    def send(self, db: Session, notices: Sequence[Notice]) -> None:
        if not notices:
            return
        body = json.dumps([n.__dict__ for n in notices], ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout):  # noqa: S310
                pass
        except OSError as exc:
            logger.warning("incident webhook failed (%d notices): %s", len(notices), exc)


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> None: ...


@dataclass
class FakeSmsGateway:
    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))


class SmsNotifier:
    type = "sms"

    def __init__(self, gateway: SmsGateway, phones_for: Callable[[Notice], Iterable[str]]) -> None:
        self.gateway, self.phones_for = gateway, phones_for

    def send(self, db: Session, notices: Sequence[Notice]) -> None:
        for notice in notices:
            for phone in self.phones_for(notice):
                try:
                    self.gateway.send(phone, notice.message)
                except Exception as exc:  # a gateway failure must not undo the transition
                    logger.warning("SMS to %s failed: %s", phone[:3] + "****", exc)


@dataclass
class Notifiers:
    notifiers: list[Notifier] = field(default_factory=list)

    def send(self, db: Session, notices: Sequence[Notice]) -> None:
        for notifier in self.notifiers:
            notifier.send(db, notices)

    def emit(self, db: Session, incident: Incident, kind: str, message: str) -> None:
        notice = Notice(incident.id, kind, message, incident.department_id, incident.reporter_user_id)
        self.send(db, [notice])


def _duty_phones(settings: Settings) -> Callable[[Notice], list[str]]:
    phones = [p.strip() for p in settings.incident_sms_phones.split(",") if p.strip()]
    return lambda notice: phones if notice.kind in ("reminder", "escalation") else []


def make_notifiers(settings: Settings, *, sms_gateway: SmsGateway | None = None) -> Notifiers:
    """From ``XUELIANG_INCIDENT_NOTIFIERS`` (comma list of types)."""
    chosen: list[Notifier] = []
    for kind in (k.strip() for k in settings.incident_notifiers.split(",") if k.strip()):
        if kind == "in_app":
            chosen.append(InAppNotifier())
        elif kind == "webhook":
            chosen.append(WebhookNotifier(settings.incident_webhook_url))
        elif kind == "sms":
            chosen.append(SmsNotifier(sms_gateway or FakeSmsGateway(), _duty_phones(settings)))
        else:
            raise ConfigurationError(f"unknown incident notifier type {kind!r} (in_app, webhook, sms)")
    return Notifiers(chosen)
