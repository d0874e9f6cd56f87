"""Reading and validating the TOML file, and resolving secrets.

Errors name the file, the key path and, for syntax errors, the line, in one
line, and are raised before any work starts.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

from pydantic import ValidationError

from edge.config.model import AppConfig
from edge.publish.config import MqttConfig, load_password
from edge.errors import ConfigError
from edge.game.config import GameConfig

DEFAULT_PATH = Path("/etc/goban-edge/config.toml")


def parse_config(data: Mapping[str, Any], source: str = "config") -> AppConfig:
    try:
        return AppConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{source}: {key}: {msg}{more}") from None


def load_config(path: str | os.PathLike[str] | None = None) -> AppConfig:
    file = Path(path) if path is not None else DEFAULT_PATH
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: {exc}") from None
    config = parse_config(data, str(file))
    # Relative paths in the file are relative to the file, not to the cwd of the service.
    return _resolve_paths(config, file.parent)


def _resolve_paths(config: AppConfig, base: Path) -> AppConfig:
    def fix(p: Path | None) -> Path | None:
        return p if p is None or p.is_absolute() else (base / p)

    return config.model_copy(update={
        "detector": config.detector.model_copy(update={"model": fix(config.detector.model)}),
        "calibration": config.calibration.model_copy(update={"file": fix(config.calibration.file)}),
        "game": config.game.model_copy(update={"sgf_dir": fix(config.game.sgf_dir)}),
        "mqtt": config.mqtt.model_copy(update={
            "outbox_path": fix(config.mqtt.outbox_path),
            "tls_ca_file": fix(config.mqtt.tls_ca_file),
            "tls_cert_file": fix(config.mqtt.tls_cert_file),
            "tls_key_file": fix(config.mqtt.tls_key_file),
        }),
    })


def mqtt_config(config: AppConfig, environ: Mapping[str, str] | None = None) -> MqttConfig:
    """The publisher's settings, with the password from the credential or the environment."""
    section = config.mqtt.model_dump(exclude={"status_interval_s"})
    return MqttConfig(board_id=config.board.id, password=load_password(os.environ if environ is None else environ),
                      **section)


def game_config(config: AppConfig, size: int) -> GameConfig:
    """The game follower's settings for a board of `size`."""
    g = config.game
    return GameConfig(size=size, komi=g.komi, black_player=g.black, white_player=g.white, event=g.event,
                      sgf_dir=g.sgf_dir, stable_frames=g.stable_frames, stable_seconds=g.stable_seconds,
                      confident_level=g.confident_level, steady_level=g.steady_level,
                      expected_level=g.expected_level, quiet_frames=g.quiet_frames,
                      occlusion_threshold=g.occlusion_threshold,
                      hidden_stone_frames=g.hidden_stone_frames, unexplained_wait=g.unexplained_wait)
