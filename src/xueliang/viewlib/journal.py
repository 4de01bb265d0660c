"""The ingest journal: acknowledged rows not yet in the record store, on local disk.

The writer (``viewlib.writer``) acknowledges an upload once its new rows are appended here, and
inserts them into the store later in large groups: one insert of 5,000 rows costs chdb about half
the CPU per row of five inserts of 1,000 (with the merges the extra parts cause), and the upload no
longer waits for the insert. After a crash, whatever the journal still holds is inserted at the next
start (``BatchWriter`` replays it before taking uploads), checked against the store by id first.

Segments: the writer appends to the newest file; the materializer *seals* it when it takes the rows
for an insert (a new file takes the next appends) and deletes it once the insert returned. A file
is ``<seq>.jsonl``: one entry per written group, ``<kind> <length>\\n<JSON array of rows>\\n``. An
entry cut short by a crash was never acknowledged (the acknowledgement follows the write) and is
skipped. Like the store's own parts, the files are written, not fsynced: they survive the process
being killed, not the machine losing power.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger(__name__)


class Journal:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        found = self.segments()
        self._seq = int(found[-1].stem) + 1 if found else 1
        self._file = self._open()

    def _open(self) -> int:
        return os.open(
            self.directory / f"{self._seq:012d}.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
        )

    def segments(self) -> list[Path]:
        """The journal's files, oldest first."""
        return sorted(p for p in self.directory.glob("*.jsonl") if p.stem.isdigit())

    def append(self, kind: str, body: bytes) -> None:
        """Write one group's rows (a JSON array); durable against a crash of the process on return."""
        data = b"%s %d\n%s\n" % (kind.encode(), len(body), body)
        written = os.write(self._file, data)
        while written < len(data):  # a short write (a signal, a full pipe of the page cache): go on
            written += os.write(self._file, data[written:])

    def seal(self) -> Path:
        """Start a new file for further appends; returns the sealed one (delete it with ``drop``)."""
        sealed = self.directory / f"{self._seq:012d}.jsonl"
        os.close(self._file)
        self._seq += 1
        self._file = self._open()
        return sealed

    def drop(self, sealed: Path) -> None:
        sealed.unlink(missing_ok=True)

    def close(self) -> None:
        os.close(self._file)
        current = self.directory / f"{self._seq:012d}.jsonl"
        if current.exists() and current.stat().st_size == 0:
            current.unlink()


def entries(path: Path) -> Iterator[tuple[str, bytes]]:
    """The complete entries of one journal file, in order (a torn last entry is left out)."""
    data = path.read_bytes()
    pos = 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        head = data[pos:end].split(b" ") if end >= 0 else []
        if len(head) != 2 or not head[1].isdigit():
            logger.warning("%s: unreadable entry at byte %s; the rest is skipped", path, pos)
            return
        start = end + 1
        stop = start + int(head[1])
        if stop + 1 > len(data) or data[stop : stop + 1] != b"\n":
            logger.warning("%s: entry at byte %s cut short (a crash while writing it); skipped", path, pos)
            return
        yield head[0].decode(), data[start:stop]
        pos = stop + 1
