"""`goban-edge`: the appliance's command line.

Expected faults (bad input, no board, missing hardware) end with one line on
stderr and the exit status of their `GobanError`; tracebacks are for bugs.
"""

from __future__ import annotations

import argparse
import logging
import sys
from types import ModuleType

from edge import __version__
from edge.cli import bench, check_config, demo, detect, evaluate, read, replay, run, simulate
from edge.errors import GobanError

COMMANDS: tuple[ModuleType, ...] = (run, demo, read, detect, replay, evaluate, check_config, simulate, bench)


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad arguments, which is our bad-input status too."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="goban-edge", description="Live Go-board recognition: camera -> stones -> moves -> MQTT.")
    parser.add_argument("--version", action="version", version=f"goban-edge {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.handler(args) or 0)
    except GobanError as exc:
        print(f"goban-edge {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
