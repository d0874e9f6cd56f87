"""`goban-edge bench [--quick]`: the performance figures, as JSON + a Markdown table.

Runs in one process: peak matmul rate, detector and reference network
latency, full pipeline frames/s and frame-to-MQTT latency, board-follow
latency. `--quick` (under a minute) is for regular checks; figures for
docs/performance.md come from a full run on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from edge.bench.bench_report import bench_markdown
from edge.bench.report import write_report
from edge.bench.suite import BenchSettings, run_bench


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure detector, pipeline and machine performance")
    p.add_argument("--quick", action="store_true", help="fewer repeats and a shorter recording (under a minute)")
    p.add_argument("--out", type=Path, default=Path("bench-results.json"), help="JSON results; Markdown beside it")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = BenchSettings(quick=args.quick)
    results = run_bench(settings, progress=lambda line: print(line, file=sys.stderr, flush=True))
    command = "goban-edge bench" + (" --quick" if args.quick else "")
    data = results.to_dict(command)
    json_path, md_path = write_report(args.out, data, bench_markdown(data))
    print(f"results in {json_path} and {md_path}")
    return 0
