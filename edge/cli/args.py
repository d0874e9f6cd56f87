"""Argument types shared by several subcommands."""

from __future__ import annotations

import argparse


def board_size(text: str) -> int:
    try:
        size = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"board size must be 9, 13 or 19, not {text!r}") from None
    if size not in (9, 13, 19):
        raise argparse.ArgumentTypeError(f"board size must be 9, 13 or 19, not {size}")
    return size
