"""Errors that reach the user as one line, never as a traceback.

Each carries the process exit status that the CLI uses for it.
"""

from __future__ import annotations


class GobanError(Exception):
    """An expected fault: bad input, missing hardware, no board in view."""

    exit_code = 1


class BadInputError(GobanError):
    """Unreadable image, malformed file, bad argument."""

    exit_code = 2


class NoBoardError(GobanError):
    """No Go board could be found in the image."""

    exit_code = 3


class ConfigError(BadInputError):
    """The configuration file is missing, unreadable or invalid."""


class ModelError(GobanError):
    """A model file is missing, truncated or does not match its metadata."""


class HardwareError(GobanError):
    """A camera or accelerator is absent or failed."""
