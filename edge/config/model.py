"""The configuration schema. Unknown keys are errors, so a typo never passes silently."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BoardSection(Section):
    id: str = Field("board-1", pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Board id, used in MQTT topics")
    size: Literal[9, 13, 19] | None = Field(None, description="Board size; default: from the calibration")


class CameraSection(Section):
    type: Literal["picamera2", "opencv", "folder"] = Field("picamera2", description="Frame source kind")
    device: str = Field("0", description="OpenCV: device index, file or URL; folder: a directory of images")
    width: int = Field(1280, ge=64, le=8192, description="Full-resolution frame width")
    height: int = Field(960, ge=64, le=8192, description="Full-resolution frame height")
    lores_width: int = Field(640, ge=64, le=4096, description="picamera2 detection stream width")
    lores_height: int = Field(480, ge=64, le=4096, description="picamera2 detection stream height")
    fps: float = Field(10.0, gt=0, le=120, description="Frames per second to request")
    loop: bool = Field(False, description="Folder/video sources: start again at the end")
    reopen_min_s: float = Field(0.5, gt=0, description="First reopen delay after a camera failure")
    reopen_max_s: float = Field(30.0, gt=0, description="Longest reopen delay")


class DetectorSection(Section):
    model: Path = Field(Path("/opt/goban-edge/models/stones_int8.tflite"), description="The .tflite stone model")
    delegate: Literal["auto", "cpu", "edgetpu"] = Field("auto", description="Where the network runs")
    threads: int = Field(2, ge=1, le=16, description="XNNPACK threads")
    edgetpu_device: str | None = Field(None, description="e.g. 'usb' or 'pci:0'; default: the first found")
    score_threshold: float = Field(0.5, gt=0, lt=1, description="Lowest score a stone needs")


class CalibrationSection(Section):
    file: Path = Field(Path("/var/lib/goban-edge/calibration.json"), description="Saved calibration")
    check_interval_s: float = Field(30.0, gt=0, description="How often to check that the board has not moved")
    moved_threshold_px: float = Field(4.0, gt=0, description="Grid-fit error that means the board moved")
    auto_recalibrate: bool = Field(True, description="Recalibrate when the board moved")


class GameSection(Section):
    komi: float = Field(6.5, ge=-50, le=50)
    black: str = Field("Black", max_length=200)
    white: str = Field("White", max_length=200)
    event: str = Field("", max_length=200)
    stable_frames: int = Field(3, ge=1, le=100, description="Frames a change must hold before it is accepted")
    stable_seconds: float = Field(0.0, ge=0, le=60, description="Time a change must hold")
    sgf_dir: Path = Field(Path("/var/lib/goban-edge/games"), description="Where game records are written")


class MqttSection(Section):
    host: str = Field("localhost", min_length=1)
    port: int = Field(1883, ge=1, le=65535)
    prefix: str = Field("goban", pattern=r"^[A-Za-z0-9_/-]{1,64}$")
    client_id: str | None = None
    username: str | None = None
    password: str | None = Field(None, description="Prefer password_env or a systemd credential")
    password_env: str = Field("GOBAN_MQTT_PASSWORD", description="Environment variable holding the password")
    password_credential: str = Field("mqtt-password", description="Name under $CREDENTIALS_DIRECTORY")
    tls: bool = False
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    keepalive: int = Field(30, ge=5, le=3600)
    outbox: Path = Field(Path("/var/lib/goban-edge/outbox"), description="On-disk queue of unsent moves")
    status_interval_s: float = Field(10.0, gt=0)
    ha_discovery: bool = Field(False, description="Publish Home Assistant discovery for the status figures")

    @model_validator(mode="after")
    def _pairs(self) -> "MqttSection":
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together")
        if (self.cert_file or self.ca_file) and not self.tls:
            raise ValueError("ca_file/cert_file are set but tls = false")
        return self


class LogSection(Section):
    level: Literal["debug", "info", "warning", "error"] = "info"


class AppConfig(Section):
    board: BoardSection = BoardSection()
    camera: CameraSection = CameraSection()
    detector: DetectorSection = DetectorSection()
    calibration: CalibrationSection = CalibrationSection()
    game: GameSection = GameSection()
    mqtt: MqttSection = MqttSection()
    log: LogSection = LogSection()
