"""The configuration schema. Unknown keys are errors, so a typo never passes silently."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator


# TOML has no path type: a path is written as a string.
FilePath = Annotated[Path, Strict(False)]


class Section(BaseModel):
    # Strict: TOML has types, so `port = "1883"` or `tls = "yes"` is a mistake to report, not to coerce.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


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
    realtime: bool = Field(True, description="Folder/video sources: play at `fps`, as a camera would")
    reopen_min_s: float = Field(0.5, gt=0, description="First reopen delay after a camera failure")
    reopen_max_s: float = Field(30.0, gt=0, description="Longest reopen delay")


class DetectorSection(Section):
    model: FilePath = Field(Path("/opt/goban-edge/models/stones_int8.tflite"), description="The .tflite stone model")
    delegate: Literal["auto", "cpu", "edgetpu"] = Field("auto", description="Where the network runs")
    threads: int = Field(2, ge=1, le=16, description="XNNPACK threads")
    edgetpu_device: str | None = Field(None, description="e.g. 'usb' or 'pci:0'; default: the first found")
    score_threshold: float = Field(0.3, gt=0, lt=1, description="Lowest detection score that places a stone")


class CalibrationSection(Section):
    file: FilePath = Field(Path("/var/lib/goban-edge/calibration.json"), description="Saved calibration")
    check_interval_s: float = Field(30.0, gt=0, description="How often to check that the board has not moved")
    moved_threshold_px: float | None = Field(None, gt=0, description="Grid error that means the board moved; "
                                             "default: a tenth of a grid spacing")
    auto_recalibrate: bool = Field(True, description="Recalibrate when the board moved")


class GameSection(Section):
    komi: float = Field(6.5, ge=-50, le=50)
    black: str = Field("Black", max_length=200)
    white: str = Field("White", max_length=200)
    event: str = Field("", max_length=200)
    stable_frames: int = Field(3, ge=1, le=100, description="Frames a change must hold before it is accepted")
    stable_seconds: float = Field(0.0, ge=0, le=60, description="Time a change must hold")
    confident_level: float = Field(0.5, gt=0, le=1, description="Mean detector confidence per frame that lets a "
                                   "change through in stable_frames frames; the shipped detector scores stones "
                                   "0.5-0.9, so weaker readings need more frames")
    steady_level: float = Field(0.4, gt=0, le=1, description="Detector confidence that every one of stable_frames "
                                "readings in a row must reach to let a change through at once, whatever their sum: "
                                "a stone lying on the board reads alike from frame to frame, one in a hand does not")
    expected_level: float = Field(0.3, gt=0, le=1, description="The same, for a stone of the colour to play on an "
                                  "empty point read in frames where nothing but stones changed on the board "
                                  "(no hand at all); at most steady_level")
    quiet_frames: int = Field(2, ge=1, le=100, description="Frames in a row, every one with no hand at all, in "
                              "which a stone of the colour to play read at confident_level or more on an empty "
                              "point is accepted (stable_frames or more: no such shortcut)")
    occlusion_threshold: float = Field(0.02, gt=0, le=1, description="Share of board cells that changed look "
                                       "beyond which a frame is taken as a hand over the board and held back")
    hidden_stone_frames: int = Field(10, ge=0, le=1000, description="Frames a stone that goes for no reason the rules "
                                     "know (not a capture) must stay gone before it is believed (0: off)")
    unexplained_wait: float = Field(2.0, ge=0, le=600, description="Seconds a change no legal sequence of moves "
                                    "explains waits for the next change before it is recorded with corrections")
    sgf_dir: FilePath = Field(Path("/var/lib/goban-edge/games"), description="Where game records are written")

    @model_validator(mode="after")
    def _levels(self) -> "GameSection":
        if self.expected_level > self.steady_level:
            raise ValueError("expected_level is larger than steady_level")
        return self


class MqttSection(Section):
    """The broker. The password is never read from this file: it comes from the systemd
    credential `mqtt-password` or the environment variable GOBAN_MQTT_PASSWORD."""

    host: str = Field("localhost", min_length=1, description="Broker host")
    port: int = Field(1883, ge=1, le=65535)
    prefix: str = Field("goban", pattern=r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$", max_length=64,
                        description="Topic prefix; topics are <prefix>/<board id>/...")
    client_id: str = Field("", max_length=128, description="Default: goban-edge-<board id>")
    username: str | None = Field(None, min_length=1, max_length=128)
    tls: bool = Field(False, description="Also switched on by any tls_* file")
    tls_ca_file: FilePath | None = Field(None, description="CA bundle; default with tls: the system's")
    tls_cert_file: FilePath | None = Field(None, description="Client certificate (with tls_key_file)")
    tls_key_file: FilePath | None = Field(None, description="Client key (with tls_cert_file)")
    keepalive_s: int = Field(30, ge=1, le=3600)
    session_expiry_s: int = Field(7 * 24 * 3600, ge=0, description="How long the broker keeps our session")
    outbox_path: FilePath = Field(Path("/var/lib/goban-edge/outbox.sqlite3"), description="On-disk queue of unsent moves")
    qos: Literal[1, 2] = Field(1, description="QoS of move events")
    status_interval_s: float = Field(10.0, gt=0, le=3600, description="How often health is published")
    ha_discovery: bool = Field(False, description="Publish Home Assistant discovery for the status figures")
    ha_discovery_prefix: str = Field("homeassistant", pattern=r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")
    reconnect_min_delay_s: float = Field(1.0, gt=0, le=3600)
    reconnect_max_delay_s: float = Field(60.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _pairs(self) -> "MqttSection":
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("tls_cert_file and tls_key_file go together")
        if self.reconnect_min_delay_s > self.reconnect_max_delay_s:
            raise ValueError("reconnect_min_delay_s is larger than reconnect_max_delay_s")
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
