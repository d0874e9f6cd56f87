"""`goban-edge simulate --boards N [--broker URL]`: N boards replaying games to one broker.

Every board is a real `Publisher`; a subscriber measures delivered/sent,
duplicates, order and latency. Several counts (`--boards 100,250,500`) are
run in turn and the largest that meets the targets is reported.
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import replace
from pathlib import Path

from edge.bench.machine import machine_info
from edge.bench.report import write_report
from edge.bench.simulate import BOARDS_PER_PROCESS, SimulationRun, SimulationSettings, build_scripts, parse_broker_url, simulate
from edge.bench.simulate_report import largest_holding, simulation_markdown, simulation_results
from edge.errors import BadInputError, GobanError


def board_counts(text: str) -> list[int]:
    try:
        counts = sorted({int(v) for v in text.split(",") if v.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"board counts must be integers like 500 or 100,250,500, not {text!r}") from None
    if not counts or counts[0] < 1:
        raise argparse.ArgumentTypeError(f"board counts must be positive, not {text!r}")
    return counts


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="tournament scale: N simulated boards publishing to one broker")
    p.add_argument("--boards", type=board_counts, required=True, help="board count, or counts to try in turn: 100,250,500")
    p.add_argument("--broker", help="mqtt://host:port (default: start a local mosquitto)")
    p.add_argument("--moves", type=int, default=30, help="moves per board (default 30)")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between a board's moves (default 2)")
    p.add_argument("--processes", type=int, default=0,
                   help=f"processes the boards are spread over (default 0: one per {BOARDS_PER_PROCESS} boards)")
    p.add_argument("--games", type=int, default=10, help="distinct game records replayed (default 10: 3 real + 7 generated)")
    p.add_argument("--prefix", default="goban", help="topic prefix (default goban)")
    p.add_argument("--moves-only", action="store_true", help="send only move events, not state/sgf/status")
    p.add_argument("--broker-option", action="append", default=[], metavar="LINE",
                   help='extra mosquitto.conf line for the local broker, e.g. "set_tcp_nodelay true" (repeatable)')
    p.add_argument("--outbox-dir", type=Path, help="where the boards' outboxes go (default: /dev/shm)")
    p.add_argument("--keep-going", action="store_true", help="try every count even after one fails")
    p.add_argument("--out", type=Path, default=Path("simulate-results.json"), help="JSON results; Markdown beside it")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    broker = parse_broker_url(args.broker) if args.broker else None
    if broker is not None and args.broker_option:
        raise BadInputError("--broker-option only applies to the local broker, not to --broker")
    if any("\n" in line for line in args.broker_option):
        raise BadInputError("each --broker-option is one mosquitto.conf line")
    if args.prefix.count("/") or not args.prefix:
        raise BadInputError(f"prefix {args.prefix!r} must be one topic level")
    command = _command_line(args)
    runs = []
    scripts = None
    for count in args.boards:
        settings = SimulationSettings(
            boards=count, moves=args.moves, interval_s=args.interval, broker=broker, processes=args.processes,
            games=args.games, prefix=args.prefix, full_traffic=not args.moves_only, outbox_dir=args.outbox_dir,
            broker_options="".join(f"{line}\n" for line in args.broker_option),
        )
        if scripts is None:  # built once, for the largest count; smaller runs take the first ones
            scripts = build_scripts(replace(settings, boards=max(args.boards)))
        try:
            result = simulate(settings, scripts[: min(args.games, count)])
        except GobanError as exc:
            # Keep what the smaller counts measured, then report the failure as usual.
            if runs:
                _write(args, runs, command)
            raise GobanError(f"{count} boards: {exc}") from None
        runs.append(result)
        lat = result.delivery.latency_ms
        print(f"{count} boards: {result.delivery.delivered}/{result.delivery.sent} delivered, "
              f"{result.delivery.out_of_order} out of order, {result.delivery.duplicates} duplicate(s), "
              f"p50/p99 {lat.p50 or 0:.1f}/{lat.p99 or 0:.1f} ms -> {'holds' if result.holds else 'fails: ' + '; '.join(result.failures)}",
              flush=True)
        if not result.holds and not args.keep_going:
            break
    json_path, md_path = _write(args, runs, command)
    best = largest_holding(runs)
    print(f"largest N that holds: {best if best is not None else 'none'}; results in {json_path} and {md_path}")
    return 0 if best == max(args.boards) else 1


def _write(args: argparse.Namespace, runs: list[SimulationRun], command: str) -> tuple[Path, Path]:
    machine = machine_info()
    return write_report(args.out, simulation_results(runs, command, machine), simulation_markdown(runs, command, machine))


def _command_line(args: argparse.Namespace) -> str:
    """The command that reproduces this run, for the report."""
    parts = ["goban-edge", "simulate", "--boards", ",".join(map(str, args.boards))]
    if args.broker:
        parts += ["--broker", args.broker]
    parts += ["--moves", str(args.moves), "--interval", f"{args.interval:g}"]
    if args.processes:
        parts += ["--processes", str(args.processes)]
    parts += ["--games", str(args.games)]
    if args.prefix != "goban":
        parts += ["--prefix", args.prefix]
    if args.moves_only:
        parts.append("--moves-only")
    for line in args.broker_option:
        parts += ["--broker-option", line]
    if args.outbox_dir:
        parts += ["--outbox-dir", str(args.outbox_dir)]
    if args.keep_going:
        parts.append("--keep-going")
    return " ".join(shlex.quote(p) for p in parts)
