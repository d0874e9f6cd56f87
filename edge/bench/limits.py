"""Open-file limits: each simulated board holds sockets and database files."""

from __future__ import annotations

import resource

from edge.errors import BadInputError

FILES_PER_BOARD = 6
"""MQTT socket, paho's wake-up socket pair, outbox database + WAL + shared memory."""


def raise_open_files(needed: int) -> int:
    """Raise this process's soft RLIMIT_NOFILE to at least `needed` (up to the hard limit); returns the new soft limit.

    Child processes (the local mosquitto, the board fleets) inherit it.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise BadInputError(
                f"{needed} open files are needed but the hard limit is {hard}; raise it (ulimit -Hn, LimitNOFILE=)"
            )
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
        soft = needed
    return soft
