"""On-disk outbox of move events: written before sending, removed after PUBACK.

An SQLite database (stdlib, WAL journal, synchronous=FULL) rather than a
hand-rolled journal: a crash or power cut at any point leaves either the old
or the new content, which is the whole point of an outbox. Each event gets the
next sequence number in the same transaction that stores it, so numbers are
never reused, even across daemon restarts; `stream` is a random id made
when the file is created, so a subscriber can tell a fresh outbox (new SD card,
deleted state) from a gap.

Compaction: acknowledged rows are deleted; on open, a file that is mostly free
pages is rewritten (VACUUM) and the WAL is truncated.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from edge.errors import GobanError

log = logging.getLogger(__name__)

_FORMAT = "1"


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    topic: str
    payload: bytes


class OutboxError(GobanError):
    """The outbox file cannot be created or written."""


class Outbox:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            # A damaged file must not stop the board: keep it for inspection
            # and start a new stream, which subscribers can see.
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            log.error("outbox %s is unreadable (%s); moved aside to %s", self.path, exc, aside.name)
            for suffix in ("", "-wal", "-shm"):
                src = Path(f"{self.path}{suffix}")
                if src.exists():
                    src.replace(Path(f"{aside}{suffix}"))
            try:
                self._db = self._open()
            except sqlite3.DatabaseError as again:
                raise OutboxError(f"cannot create the outbox {self.path}: {again}") from None
        except OSError as exc:
            raise OutboxError(f"cannot create the outbox {self.path}: {exc.strerror}") from None

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        try:
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise sqlite3.DatabaseError(f"journal mode {mode}")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("BEGIN IMMEDIATE")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS events "
                "(seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL)"
            )
            db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (_FORMAT,))
            db.execute("INSERT OR IGNORE INTO meta VALUES ('stream', ?)", (uuid.uuid4().hex,))
            db.execute("INSERT OR IGNORE INTO meta VALUES ('next_seq', '1')")
            fmt = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()[0]
            if fmt != _FORMAT:
                raise sqlite3.DatabaseError(f"outbox format {fmt!r}, expected {_FORMAT!r}")
            db.execute("COMMIT")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {check}")
            free = db.execute("PRAGMA freelist_count").fetchone()[0]
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            if free > 16 and free * 2 > pages:
                db.execute("VACUUM")  # cheap: a drained outbox is a few pages
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._stream = db.execute("SELECT value FROM meta WHERE key = 'stream'").fetchone()[0]
        except BaseException:
            db.close()
            raise
        return db

    @property
    def stream(self) -> str:
        return self._stream

    def append(self, topic: str, build: Callable[[int], bytes]) -> OutboxEntry:
        """Store the event `build(seq)` under the next sequence number, durably."""
        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
                seq = int(db.execute("SELECT value FROM meta WHERE key = 'next_seq'").fetchone()[0])
                payload = build(seq)
                db.execute("INSERT INTO events VALUES (?, ?, ?)", (seq, topic, payload))
                db.execute("UPDATE meta SET value = ? WHERE key = 'next_seq'", (str(seq + 1),))
                db.execute("COMMIT")
            except BaseException as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise OutboxError(f"cannot write the outbox {self.path}: {exc}") from None
                raise
        return OutboxEntry(seq, topic, payload)

    def ack(self, seq: int) -> None:
        """Forget an event the broker has acknowledged (idempotent)."""
        with self._lock:
            try:
                self._db.execute("DELETE FROM events WHERE seq = ?", (seq,))
            except sqlite3.Error as exc:
                # Not fatal: the event is sent again after a restart, as a
                # duplicate with the same sequence number.
                log.warning("cannot remove event %d from the outbox: %s", seq, exc)

    def pending(self) -> list[OutboxEntry]:
        """Unacknowledged events, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT seq, topic, payload FROM events ORDER BY seq").fetchall()
        return [OutboxEntry(seq, topic, bytes(payload)) for seq, topic, payload in rows]

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass
            self._db.close()
