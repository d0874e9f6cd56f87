"""How the publisher reaches the broker, and where its password comes from.

The password never lives in the configuration file: it is read from a systemd
credential (`LoadCredential=mqtt-password:...` puts it in
`$CREDENTIALS_DIRECTORY/mqtt-password`) or, outside systemd, from the
environment. It is excluded from the dataclass repr so that logging a config
cannot leak it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from edge.errors import ConfigError
from edge.publish.topics import check_board_id, check_prefix

CREDENTIAL_NAME = "mqtt-password"
PASSWORD_ENV = "GOBAN_MQTT_PASSWORD"
DEFAULT_OUTBOX = Path("/var/lib/goban-edge/outbox.sqlite3")


@dataclass(frozen=True)
class MqttConfig:
    board_id: str
    host: str = "localhost"
    port: int = 1883
    prefix: str = "goban"
    client_id: str = ""  # empty: "goban-edge-<board_id>"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False  # also switched on by any of the tls_* files
    tls_ca_file: Path | None = None  # None with tls: the system's CA store
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    keepalive_s: int = 30
    session_expiry_s: int = 7 * 24 * 3600
    outbox_path: Path = DEFAULT_OUTBOX
    qos: int = 1
    ha_discovery: bool = False
    ha_discovery_prefix: str = "homeassistant"
    reconnect_min_delay_s: float = 1.0
    reconnect_max_delay_s: float = 60.0

    def __post_init__(self) -> None:
        check_board_id(self.board_id)
        check_prefix(self.prefix)
        check_prefix(self.ha_discovery_prefix)
        if not self.host or not isinstance(self.host, str):
            raise ConfigError("mqtt host is empty")
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 1 <= self.port <= 65535:
            raise ConfigError(f"mqtt port {self.port!r} is not in 1..65535")
        if self.qos not in (1, 2) or isinstance(self.qos, bool):
            raise ConfigError(f"mqtt qos {self.qos!r} must be 1 or 2: moves must not be lost")
        if isinstance(self.keepalive_s, bool) or not isinstance(self.keepalive_s, int) or not 1 <= self.keepalive_s <= 3600:
            raise ConfigError(f"mqtt keepalive_s {self.keepalive_s!r} is not in 1..3600")
        if isinstance(self.session_expiry_s, bool) or not isinstance(self.session_expiry_s, int) or self.session_expiry_s < 0:
            raise ConfigError(f"mqtt session_expiry_s {self.session_expiry_s!r} is negative or not an integer")
        for name in ("reconnect_min_delay_s", "reconnect_max_delay_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
                raise ConfigError(f"mqtt {name} {value!r} must be a positive number of seconds")
        if self.reconnect_min_delay_s > self.reconnect_max_delay_s:
            raise ConfigError("mqtt reconnect_min_delay_s is larger than reconnect_max_delay_s")
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ConfigError("mqtt tls_cert_file and tls_key_file must be given together")
        if self.password is not None and self.username is None:
            raise ConfigError("an mqtt password is set but no username")
        if "\0" in self.client_id or len(self.client_id.encode("utf-8")) > 128:
            raise ConfigError("mqtt client_id is too long or contains NUL")

    @property
    def effective_client_id(self) -> str:
        # A stable id is what makes the broker keep this board's session
        # (its command subscription and in-flight QoS state) across restarts.
        return self.client_id or f"goban-edge-{self.board_id}"

    @property
    def uses_tls(self) -> bool:
        return self.tls or any(
            p is not None for p in (self.tls_ca_file, self.tls_cert_file, self.tls_key_file)
        )

    def check_files(self) -> None:
        """Fail with one line naming the file if a TLS file cannot be read."""
        for label, path in (
            ("tls_ca_file", self.tls_ca_file),
            ("tls_cert_file", self.tls_cert_file),
            ("tls_key_file", self.tls_key_file),
        ):
            if path is not None and not os.access(path, os.R_OK):
                raise ConfigError(f"mqtt {label} {str(path)!r} is missing or unreadable")


def load_password(environ: Mapping[str, str]) -> str | None:
    """The broker password: systemd credential first, then the environment.

    One trailing newline is dropped (files written with `echo`); an empty
    credential means no password.
    """
    cred_dir = environ.get("CREDENTIALS_DIRECTORY")
    if cred_dir:
        path = Path(cred_dir) / CREDENTIAL_NAME
        if path.exists():
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read the credential {CREDENTIAL_NAME}: {exc.__class__.__name__}") from None
            text = text[:-1] if text.endswith("\n") else text
            return text or None
    value = environ.get(PASSWORD_ENV)
    return value or None
