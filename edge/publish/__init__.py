"""MQTT publishing: retained board state, ordered move events, commands.

The daemon builds an `MqttConfig`, creates a `Publisher` with its command
handler, and calls `publish_*`; `docs/mqtt.md` is the topic contract.
"""

from edge.publish.commands import (
    Command,
    CommandError,
    CommandResult,
    EndGame,
    NewGame,
    Recalibrate,
    SetPlayers,
    parse_command,
)
from edge.publish.config import MqttConfig, load_password
from edge.publish.outbox import Outbox, OutboxEntry, OutboxError
from edge.publish.publisher import Publisher
from edge.publish.topics import COMMAND_NAMES, Topics

__all__ = [
    "COMMAND_NAMES", "Command", "CommandError", "CommandResult", "EndGame", "MqttConfig",
    "NewGame", "Outbox", "OutboxEntry", "OutboxError", "Publisher", "Recalibrate",
    "SetPlayers", "Topics", "load_password", "parse_command",
]
