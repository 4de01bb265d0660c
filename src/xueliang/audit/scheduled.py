"""Periodic audit jobs: a nightly walk of the whole hash chain, so tampering is noticed even when
nobody runs `xueliang audit verify` by hand."""

from __future__ import annotations

import logging
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from xueliang.audit import service
from xueliang.core.db import session_scope
from xueliang.core.scheduler import Scheduler

logger = logging.getLogger(__name__)


def verify_chain(factory: sessionmaker[Session]) -> str:
    with session_scope(factory) as db:
        result = service.verify(db=db)
    if not result.ok:
        logger.error("audit log broken at entry %s: %s", result.bad_entry_id, result.reason)
        raise RuntimeError(f"audit log broken at entry {result.bad_entry_id}: {result.reason}")
    return f"{result.checked} entries intact"


def register(scheduler: Scheduler, *, factory: sessionmaker[Session]) -> None:
    scheduler.register("audit.verify", partial(verify_chain, factory), at="03:30")
