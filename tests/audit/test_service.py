from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from xueliang.audit import service
from xueliang.audit.enums import GENESIS_HASH
from xueliang.audit.models import AuditEntry
from xueliang.auth.principal import Principal

ALICE = Principal(user_id=1, username="alice", client_addr="10.0.0.9")


def _write(db: Session, n: int) -> list[AuditEntry]:
    return [
        service.record(
            db=db,
            actor=ALICE,
            action="plate.search",
            case_id=f"C{i}",
            purpose="robbery",
            request={"plate": "湘H12345", "i": i},
            result_count=i,
        )
        for i in range(n)
    ]


def _disable_append_only(db: Session, backend: str) -> None:
    """What a privileged attacker does first: remove the trigger that forbids UPDATE/DELETE."""
    if backend == "postgres":
        db.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
    else:
        db.execute(text("DROP TRIGGER audit_entry_no_update"))
        db.execute(text("DROP TRIGGER audit_entry_no_delete"))


def test_record__chains_entries_from_genesis(db: Session) -> None:
    entries = _write(db, 3)
    assert entries[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert [e.id for e in entries] == [1, 2, 3]
    assert service.verify(db=db).ok


def test_verify__empty_log_is_intact(db: Session) -> None:
    result = service.verify(db=db)
    assert result.ok and result.checked == 0


def test_append_only__database_refuses_update_and_delete(db: Session) -> None:
    _write(db, 1)
    db.commit()
    with pytest.raises(Exception, match="append-only"):
        db.execute(text("UPDATE audit_entry SET action = 'x'"))
    db.rollback()
    with pytest.raises(Exception, match="append-only"):
        db.execute(text("DELETE FROM audit_entry"))
    db.rollback()


@pytest.mark.parametrize(
    ("statement", "bad_id"),
    [
        ("UPDATE audit_entry SET result_count = 999 WHERE id = 3", 3),
        ("UPDATE audit_entry SET actor_name = 'mallory' WHERE id = 2", 2),
        ("UPDATE audit_entry SET purpose = NULL WHERE id = 4", 4),
        ("DELETE FROM audit_entry WHERE id = 3", 3),
        ("DELETE FROM audit_entry WHERE id = 5", 5),
        ("UPDATE audit_entry SET id = id + 100 WHERE id = 2", 2),
    ],
)
def test_verify__names_the_first_tampered_entry(
    db: Session, backend: str, statement: str, bad_id: int
) -> None:
    _write(db, 5)
    db.commit()
    _disable_append_only(db, backend)
    db.execute(text(statement))
    result = service.verify(db=db)
    assert not result.ok
    assert result.bad_entry_id == bad_id, result.reason


def test_verify__detects_swapped_rows(db: Session, backend: str) -> None:
    _write(db, 4)
    db.commit()
    _disable_append_only(db, backend)
    # swap the contents of entries 2 and 3, keeping ids: the chain no longer links
    db.execute(text("UPDATE audit_entry SET id = -2 WHERE id = 2"))
    db.execute(text("UPDATE audit_entry SET id = 2 WHERE id = 3"))
    db.execute(text("UPDATE audit_entry SET id = 3 WHERE id = -2"))
    result = service.verify(db=db)
    assert not result.ok and result.bad_entry_id == 2


def test_verify__recomputed_hash_still_breaks_the_chain(db: Session, backend: str) -> None:
    _write(db, 3)
    db.commit()
    _disable_append_only(db, backend)
    row = db.execute(select(AuditEntry.__table__).where(AuditEntry.id == 2)).one()
    forged = SimpleNamespace(**{**row._asdict(), "result_count": 0})
    new_hash = service.compute_hash(forged)
    db.execute(text("UPDATE audit_entry SET result_count = 0, hash = :h WHERE id = 2"), {"h": new_hash})
    result = service.verify(db=db)
    assert not result.ok and result.bad_entry_id == 3


def test_list_entries__filters_by_case_and_actor(db: Session) -> None:
    _write(db, 3)
    total, rows = service.list_entries(db=db, where=service.EntryFilter(case_id="C1"))
    assert total == 1 and rows[0].case_id == "C1"
    total, _ = service.list_entries(db=db, where=service.EntryFilter(actor_name="bob"))
    assert total == 0
