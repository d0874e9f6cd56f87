"""What the subscriber got against what the boards sent: losses, duplicates, order, latency.

Ordering follows docs/mqtt.md: per board (and stream) `seq` must arrive as
last + 1; an already seen `seq` is a duplicate (allowed by the contract); a
new `seq` below the highest seen is out of order (forbidden); a jump is a gap,
which becomes a loss if the missing events never arrive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from edge.bench.fleet import Send
from edge.bench.stats import Summary, summarize
from edge.bench.subscriber import Receipt


@dataclass(frozen=True)
class Delivery:
    sent: int
    delivered: int
    """Distinct (board, seq) received that were sent."""
    lost: int
    duplicates: int
    out_of_order: int
    gaps: int
    wrong_content: int
    """Received events whose move number is not the one sent with that seq."""
    foreign: int
    """Events from boards that are not part of this run (another publisher on a shared broker)."""
    extra_streams: int
    """Boards seen with more than one outbox stream (should be 0: every board has a fresh outbox)."""
    latency_ms: Summary
    """From the `publish_move` call to the subscriber's receipt."""
    schedule_latency_ms: Summary
    """From the move's scheduled time to the receipt: adds the simulator's own lag."""
    lag_ms: Summary
    """From the scheduled time to the `publish_move` call."""
    call_ms: Summary
    """Duration of `publish_move` (outbox write + hand-over to paho)."""
    late_boards: list[str] = field(default_factory=list)
    """Up to 10 boards with a lost or out-of-order event, for the report."""


def analyse(
    boards: Sequence[str], sends: Sequence[Send], receipts: Sequence[Receipt], move_numbers: dict[tuple[int, int], int]
) -> Delivery:
    """`move_numbers` maps (board index, seq) to the move number that was sent with it."""
    index = {b: i for i, b in enumerate(boards)}
    sent_at = {(s[0], s[1]): s for s in sends}
    streams: dict[int, set[str]] = {}
    last: dict[int, int] = {}
    seen: set[tuple[int, int]] = set()
    duplicates = out_of_order = gaps = wrong = foreign = 0
    bad_boards: set[int] = set()
    latency: list[float] = []
    from_schedule: list[float] = []
    for board, stream, seq, move_number, _game, received in receipts:
        i = index.get(board)
        if i is None:
            foreign += 1
            continue
        streams.setdefault(i, set()).add(stream)
        key = (i, seq)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        top = last.get(i, 0)
        if seq < top:
            out_of_order += 1
            bad_boards.add(i)
        elif seq > top + 1:
            gaps += 1
        last[i] = max(top, seq)
        if move_numbers.get(key) != move_number:
            wrong += 1
        send = sent_at.get(key)
        if send is not None:
            latency.append((received - send[3]) * 1000.0)
            from_schedule.append((received - send[2]) * 1000.0)
    delivered = len(seen & sent_at.keys())
    missing = sent_at.keys() - seen
    bad_boards.update(i for i, _ in missing)
    return Delivery(
        sent=len(sends), delivered=delivered, lost=len(missing), duplicates=duplicates,
        out_of_order=out_of_order, gaps=gaps, wrong_content=wrong, foreign=foreign,
        extra_streams=sum(len(s) > 1 for s in streams.values()),
        latency_ms=summarize(latency), schedule_latency_ms=summarize(from_schedule),
        lag_ms=summarize((s[3] - s[2]) * 1000.0 for s in sends),
        call_ms=summarize((s[4] - s[3]) * 1000.0 for s in sends),
        late_boards=[boards[i] for i in sorted(bad_boards)[:10]],
    )
