"""The simulation's results as JSON + a Markdown table, and the largest board count that held."""

from __future__ import annotations

import time
from typing import Any, Sequence

from edge.bench.machine import MachineInfo
from edge.bench.report import md_table
from edge.bench.simulate import P99_TARGET_MS, SimulationRun


def largest_holding(runs: Sequence[SimulationRun]) -> int | None:
    """The largest board count whose run met every target, when all smaller runs did too."""
    best = None
    for run in sorted(runs, key=lambda r: r.boards):
        if not run.holds:
            break
        best = run.boards
    return best


def simulation_results(runs: Sequence[SimulationRun], command: str, machine: MachineInfo) -> dict[str, Any]:
    return {
        "kind": "goban-edge simulate",
        "command": command,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine.to_dict(),
        "target": {"p99_latency_ms": P99_TARGET_MS, "lost": 0, "out_of_order": 0},
        "largest_holding": largest_holding(runs),
        "runs": [r.to_dict() for r in runs],
    }


def simulation_markdown(runs: Sequence[SimulationRun], command: str, machine: MachineInfo) -> str:
    rows = []
    for r in sorted(runs, key=lambda r: r.boards):
        d, lat = r.delivery, r.delivery.latency_ms
        cpu = r.cpu_percent
        rows.append([
            r.boards, r.processes, r.target_rate, r.achieved_rate, f"{d.delivered}/{d.sent}", d.lost, d.duplicates, d.out_of_order,
            lat.p50, lat.p95, lat.p99, lat.max, d.lag_ms.p99,
            " / ".join("n/a" if cpu.get(k) is None else f"{cpu[k]:.0f}" for k in ("fleets", "subscriber", "broker")),
            cpu.get("others"),
            "yes" if r.holds else "no: " + "; ".join(r.failures),
        ])
    best = largest_holding(runs)
    first = runs[0] if runs else None
    lines = [
        "## Tournament simulation\n",
        f"Command: `{command}`\n",
        f"Machine: {machine.line()}\n",
    ]
    if first is not None:
        traffic = "move + state + sgf per move, status every 10 s" if first.full_traffic else "move events only"
        lines.append(
            f"Each board: {first.moves_per_board} moves, one every {first.interval_s:g} s ({traffic}), "
            f"its own `Publisher` (boards spread over the processes shown); broker {first.broker}; "
            f"outboxes under {first.outbox_dir}.\n"
        )
    lines.append(md_table(
        ["boards", "processes", "moves/s offered", "moves/s sent", "delivered/sent", "lost", "dup", "out of order",
         "p50 ms", "p95 ms", "p99 ms", "max ms", "sim lag p99 ms", "CPU % of a core: fleets / sub / broker", "rest of machine %", "holds"],
        rows,
    ))
    loads = ", ".join(f"{r.boards}: {r.load_before} -> {r.load_after}" for r in runs)
    lines.append(f"\nLatency: `publish_move` call -> subscriber receipt (QoS 1). Target: none lost or out of order, "
                 f"p99 < {P99_TARGET_MS:.0f} ms. Load average (1/5/15 min) before -> after each run: {loads}.\n")
    lines.append(f"\n**Largest N that holds: {best if best is not None else 'none'}** (of the counts tried).\n")
    return "\n".join(lines)
