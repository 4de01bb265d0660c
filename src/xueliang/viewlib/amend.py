"""Replace a stored record with a completed version of itself (same object id).

The record tables are ``ReplacingMergeTree`` ordered by the kind's look-up key (the plate for motor
vehicles), event time and object id, without a version column: a second row with the same id only
replaces the first when the whole sorting key is equal, which it is not once the plate is filled in,
and the writer's duplicate check refuses ids already stored. So a completion inserts the new row and
then deletes the old one exactly (same id and same ``raw``) with a lightweight ``DELETE``; a reader in
between may see both rows (``get`` returns one of them).
"""

from __future__ import annotations

from typing import Any

from xueliang.viewlib import sql
from xueliang.viewlib.kinds import Kind
from xueliang.viewlib.stores.base import RecordStore


def delete_old(kind: Kind, database: str) -> str:
    return (
        f"DELETE FROM {sql.table(kind, database)}"  # noqa: S608
        " WHERE object_id = {id:String} AND raw = {old:String}"
    )


def replace_record(store: RecordStore, kind: Kind, row: dict[str, Any], old_raw: str) -> None:
    """Store ``row`` in place of the stored record whose raw JSON is ``old_raw``."""
    params = {"id": row["object_id"], "old": old_raw}
    if store.type == "memory":
        store.insert(kind, [row])  # keyed by id: the insert replaces
        return
    store.insert(kind, [row])
    statement = delete_old(kind, getattr(store, "database", "viewlib"))
    if store.type == "chdb":
        store._session.query(statement, "CSV", params=params)  # type: ignore[attr-defined]
    else:
        store.client.command(statement, parameters=params)  # type: ignore[attr-defined]
