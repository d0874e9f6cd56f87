"""Configuration: validated once, errors name the key, secrets never only in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.cli.main import main
from edge.config import load_config
from edge.config.load import mqtt_config
from edge.errors import ConfigError

GOOD = """
[board]
id = "table-3"
size = 19

[camera]
type = "folder"
device = "frames"

[detector]
model = "models/stones_int8.tflite"
delegate = "cpu"
threads = 2

[mqtt]
host = "hub.club.lan"
port = 8883
tls = true
tls_ca_file = "ca.crt"
username = "table-3"

[game]
komi = 6.5
black = "Honinbo Shusaku"
white = "Inoue Gennan"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_good_config_and_relative_paths(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.board.id == "table-3" and cfg.camera.type == "folder"
    assert cfg.detector.model == tmp_path / "models/stones_int8.tflite"
    assert cfg.mqtt.tls_ca_file == tmp_path / "ca.crt"
    assert cfg.game.black == "Honinbo Shusaku"


@pytest.mark.parametrize(
    "text, message",
    [
        ("[detector]\ndelegat = 'cpu'\n", "detector.delegat: unknown key"),
        ("[detector]\nthreads = 'two'\n", "detector.threads: Input should be a valid integer"),
        ("[mqtt]\nport = 70000\n", "mqtt.port: Input should be less than or equal to 65535"),
        ("[camera]\ntype = 'webcam'\n", "camera.type: Input should be 'picamera2', 'opencv' or 'folder'"),
        ("[boards]\nid = 'x'\n", "boards: unknown key"),
        ("[board]\nid = 'bad id with spaces'\n", "board.id: String should match pattern"),
        ("[mqtt]\ntls_cert_file = 'c.pem'\n", "mqtt: Value error, tls_cert_file and tls_key_file go together"),
        ("[mqtt]\npassword = 'secret'\n", "mqtt.password: unknown key"),
        ("[game]\nexpected_level = 0.45\n", "game: Value error, expected_level is larger than steady_level"),
        ("[board\nid = 1\n", "line 1"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "nope.toml")


def test_check_config_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(write(tmp_path, GOOD))]) == 0
    assert "ok (board table-3" in capsys.readouterr().out
    assert main(["check-config", str(write(tmp_path, "[mqtt]\nprot = 1\n"))]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("mqtt.prot: unknown key") and len(err.splitlines()) == 1


def test_mqtt_settings_reach_the_publisher_with_the_password_from_the_environment(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    mqtt = mqtt_config(cfg, {"GOBAN_MQTT_PASSWORD": "s3cret"})
    assert (mqtt.board_id, mqtt.host, mqtt.port, mqtt.username) == ("table-3", "hub.club.lan", 8883, "table-3")
    assert mqtt.password == "s3cret" and mqtt.uses_tls and mqtt.tls_ca_file == tmp_path / "ca.crt"
    assert "s3cret" not in repr(mqtt)
