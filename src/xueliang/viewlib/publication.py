"""Publications a crash may have lost, found again at the next start.

A batch is acknowledged once it is durable (journaled, or stored); its bus message goes out once it
is stored. A crash between the two used to lose the message for good: the client's retry finds the
records stored, so nothing new is published, and consumers (dispositions, the vector index, image
completion) never see them.

The ``Ledger`` keeps a *watermark*: a store time before which every stored batch has also been
published. Each batch takes a ticket (the time, just before its write) and returns it once
published; the watermark is the oldest ticket still out, or now when none is. It is written to
``DATA_DIR/records/publication.json`` at most once a second and, with ``clean: true``, when the
app stops. After an unclean stop the app republishes, before serving, every record the store took
at or after the saved watermark (less ``SKEW``, for a store on another machine's clock): some of
them were published already, which consumers tolerate (they are idempotent by object id); none
acknowledged is missed.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from xueliang.viid.times import to_sql

logger = logging.getLogger(__name__)
SAVE_EVERY_SECONDS = 1.0
SKEW = timedelta(seconds=60)


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._out: dict[int, datetime] = {}
        self._tickets = itertools.count()
        self._lock = threading.Lock()
        self._saved_at = 0.0
        self.replay_from = self._unclean_watermark()
        self.save()  # "not clean" from now on, keeping an old watermark until its replay is done

    @staticmethod
    def due(path: Path) -> bool:
        """Whether a ledger file says the last run did not stop cleanly (read without opening one)."""
        try:
            return not json.loads(path.read_text()).get("clean")
        except FileNotFoundError:
            return False
        except (OSError, ValueError):
            return True

    def _unclean_watermark(self) -> datetime | None:
        """The saved watermark when the last run did not stop cleanly (or never saved one)."""
        try:
            state = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None  # a new store: nothing was acknowledged before
        except (OSError, ValueError):
            logger.warning("%s is unreadable: republishing everything stored", self.path)
            return datetime.min.replace(tzinfo=UTC)
        if state.get("clean"):
            return None
        try:
            return datetime.fromisoformat(state["watermark"]) - SKEW
        except (KeyError, TypeError, ValueError):
            return datetime.min.replace(tzinfo=UTC)

    def take(self) -> int:
        with self._lock:
            ticket = next(self._tickets)
            self._out[ticket] = datetime.now(UTC)
        return ticket

    def give_back(self, ticket: int) -> None:
        with self._lock:
            self._out.pop(ticket, None)
        if time.monotonic() - self._saved_at >= SAVE_EVERY_SECONDS:
            self.save()

    def watermark(self) -> datetime:
        with self._lock:
            pending = [self.replay_from + SKEW] if self.replay_from is not None else []
            return min([*self._out.values(), *pending], default=datetime.now(UTC))

    def replayed(self) -> None:
        self.replay_from = None
        self.save()

    def close(self) -> None:
        """Mark a clean stop, unless a batch is still unpublished (then its replay stays due)."""
        with self._lock:
            clean = not self._out and self.replay_from is None
        self.save(clean=clean)

    def save(self, *, clean: bool = False) -> None:
        """Write the watermark atomically (temp file, fsync, rename)."""
        self._saved_at = time.monotonic()
        body = json.dumps({"watermark": self.watermark().isoformat(), "clean": clean})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def since_text(self) -> str | None:
        """The replay's start in the store's text form, or None when no replay is due."""
        if self.replay_from is None:
            return None
        return to_sql(max(self.replay_from, datetime(1970, 1, 1, tzinfo=UTC)))
