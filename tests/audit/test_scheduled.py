from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from xueliang.audit import scheduled, service
from xueliang.auth.principal import Principal


def test_verify_chain__reports_intact_log(db: Session, session_maker: sessionmaker[Session]) -> None:
    service.record(db=db, actor=Principal.system(), action="test")
    db.commit()
    assert scheduled.verify_chain(session_maker) == "1 entries intact"


def test_verify_chain__raises_on_tampering(
    db: Session, session_maker: sessionmaker[Session], backend: str
) -> None:
    service.record(db=db, actor=Principal.system(), action="test")
    db.commit()
    if backend == "postgres":
        db.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
    else:
        db.execute(text("DROP TRIGGER audit_entry_no_update"))
    db.execute(text("UPDATE audit_entry SET action = 'other'"))
    with pytest.raises(RuntimeError, match="broken at entry 1"):
        scheduled.verify_chain(session_maker)


def test_lifespan__registers_audit_job_and_starts_bus(app: FastAPI) -> None:
    with TestClient(app):
        names = [job.name for job in app.state.scheduler.jobs()]
        assert "audit.verify" in names
        assert app.state.bus is not None
