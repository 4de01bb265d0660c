"""Bus messages of the view library: one per stored batch, published after the write."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from xueliang.core.bus import Topic
from xueliang.viewlib.kinds import RECORD_KINDS


class RecordStored(NamedTuple):
    """A record was stored (first time only: a retried upload publishes nothing).

    A NamedTuple, not a model: the publisher builds one per ingested record from rows it parsed
    itself, and a validated pydantic model cost ~1.5 µs of held GIL each (py-spy, 10 % of the upload
    path) against ~0.3 µs for the tuple. Messages from the bus (JetStream) are still validated, through
    ``RecordsStored``: pydantic checks each field of a NamedTuple, whether it comes as an array (how
    it is encoded) or as an object (how earlier versions encoded it).
    """

    kind: str
    object_id: str
    device_id: str
    event_time: datetime
    plate_no: str = ""
    tollgate_id: str = ""
    images: tuple[str, ...] = ()
    # hints that spare consumers a read of the record; None = not said (an older publisher): read it
    has_feature: bool | None = None
    completable: bool | None = None


class RecordsStored(BaseModel):
    """The new records of one write (one upload, one completion), in upload order.

    One message per batch, not per record: a record message cost more to build, encode and
    decode for each consumer than parsing the record itself (measured with ``bench/viid_ingest.py``),
    and on JetStream each message is a publish acknowledgement of its own.
    """

    model_config = ConfigDict(frozen=True)  # shared by the in-process bus's consumers, unencoded

    kind: str
    records: tuple[RecordStored, ...]


TOPICS: dict[str, Topic[RecordsStored]] = {
    k.name: Topic(k.topic_subject, RecordsStored) for k in RECORD_KINDS
}
RECORDS_MOTOR_VEHICLE = TOPICS["motor_vehicle"]
RECORDS_FACE = TOPICS["face"]
RECORDS_PERSON = TOPICS["person"]
RECORDS_NON_MOTOR_VEHICLE = TOPICS["non_motor_vehicle"]
