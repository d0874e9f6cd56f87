"""The on-disk outbox: order, acknowledgement, restarts, crashes, damage, compaction."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from edge.errors import BadInputError
from edge.publish.outbox import Outbox

REPO = Path(__file__).resolve().parents[1]


def _payload(seq: int) -> bytes:
    return b'{"seq":%d}' % seq


def test_events_come_back_in_order_until_acknowledged(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite3")
    entries = [box.append("goban/t/move", _payload) for _ in range(5)]
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    box.ack(2)
    box.ack(4)
    box.ack(4)  # acknowledging twice is harmless
    assert [(e.seq, e.payload) for e in box.pending()] == [(1, b'{"seq":1}'), (3, b'{"seq":3}'), (5, b'{"seq":5}')]
    assert len(box) == 3
    box.close()


def test_sequence_numbers_survive_a_restart_even_when_everything_was_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path)
    stream = box.stream
    for _ in range(3):
        box.ack(box.append("t", _payload).seq)
    box.close()
    box = Outbox(path)
    assert box.stream == stream and len(stream) == 32
    assert box.pending() == []
    assert box.append("t", _payload).seq == 4
    box.close()


def test_a_failing_payload_builder_stores_nothing_and_uses_no_number(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")

    def bad(seq: int) -> bytes:
        raise BadInputError("move payload is missing kind")

    with pytest.raises(BadInputError):
        box.append("t", bad)
    assert box.pending() == []
    assert box.append("t", _payload).seq == 1
    box.close()


def test_committed_events_survive_a_kill_during_writes(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    writer = textwrap.dedent(
        f"""
        import sys
        from edge.publish.outbox import Outbox
        box = Outbox({str(path)!r})
        while True:
            entry = box.append("goban/t/move", lambda seq: b"x" * 200 + str(seq).encode())
            if entry.seq % 3 == 0:
                box.ack(entry.seq - 1)
            print(entry.seq, flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, cwd=REPO)
    assert proc.stdout is not None
    confirmed = []
    for line in proc.stdout:
        confirmed.append(int(line))
        if len(confirmed) == 150:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    box = Outbox(path)
    pending = {e.seq: e.payload for e in box.pending()}
    for seq in confirmed:
        if seq % 3 != 2:  # those are acknowledged, and may be gone
            assert pending.get(seq) == b"x" * 200 + str(seq).encode(), seq
    assert box.append("t", _payload).seq > max(confirmed)
    box.close()


def test_a_damaged_file_is_moved_aside_and_a_new_stream_starts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "outbox.sqlite3"
    path.write_bytes(b"this is not an sqlite database" * 100)
    with caplog.at_level(logging.ERROR, logger="edge.publish.outbox"):
        box = Outbox(path)
    assert box.pending() == [] and box.append("t", _payload).seq == 1
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
    assert "unreadable" in caplog.text
    box.close()


def test_acknowledged_space_is_given_back_on_reopen(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path)
    for _ in range(80):
        box.append("t", lambda seq: os.urandom(4000))
    grown = path.stat().st_size + Path(f"{path}-wal").stat().st_size
    for entry in box.pending():
        box.ack(entry.seq)
    box.close()
    box = Outbox(path)
    assert grown > 320_000
    assert path.stat().st_size < 40_000
    assert box.append("t", _payload).seq == 81
    box.close()
