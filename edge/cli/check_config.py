"""`goban-edge check-config FILE`: validate a configuration without running."""

from __future__ import annotations

import argparse

from edge.config import load_config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check-config", help="validate a configuration file and exit")
    p.add_argument("file", help="the TOML configuration file")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.file)
    print(f"{args.file}: ok (board {config.board.id}, camera {config.camera.type}, "
          f"detector {config.detector.delegate}, mqtt {config.mqtt.host}:{config.mqtt.port})")
    return 0
