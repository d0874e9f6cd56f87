"""`goban-edge run --config FILE`: the appliance under systemd (or in a shell)."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from calibration.check import check_frame
from calibration.corner_model import CornerModel
from calibration.find import find_board
from calibration.store import Calibration, load
from edge.board.mapping import MappingParams
from edge.capture.factory import open_source
from edge.config import AppConfig, load_config
from edge.config.load import DEFAULT_PATH, game_config, mqtt_config
from edge.daemon.health import Health
from edge.daemon.notify import Notifier
from edge.daemon.service import Daemon, LoopSettings
from edge.detect.detector import StoneDetector
from edge.errors import ConfigError
from edge.follow import GameSession
from edge.game.follower import Follower
from edge.publish.publisher import Publisher
from edge.reading import BoardReader

log = logging.getLogger("edge.daemon")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the appliance: camera -> board -> game -> MQTT")
    p.add_argument("--config", default=str(DEFAULT_PATH), help=f"configuration file (default {DEFAULT_PATH})")
    p.set_defaults(handler=run)


def build_daemon(config: AppConfig) -> Daemon:
    """Everything checked and loaded before the first frame: a bad file fails here, not later."""
    calibration = load(config.calibration.file)
    size = config.board.size or calibration.board_size
    if size != calibration.board_size:
        raise ConfigError(f"board.size {size} does not match the {calibration.board_size}x{calibration.board_size} "
                          f"board in {config.calibration.file}")
    det = config.detector
    # Weak detections are kept: they lower the confidence of the empty points they sit on.
    detector = StoneDetector.load(det.model, delegate=det.delegate, threads=det.threads,
                                  edgetpu_device=det.edgetpu_device, score_threshold=0.1)
    reader = BoardReader(detector, MappingParams(score_threshold=det.score_threshold))
    corner_model = CornerModel.load()
    source = open_source(config.camera)
    # Recordings run on a frame clock from 0; game ids and move times want wall-clock time.
    session = GameSession(reader, Follower(game_config(config, size)), calibration, size,
                          time_offset=0.0 if source.live else time.time())
    health = Health(delegate=detector.model.delegate_description,
                    calibration_error_px=calibration.grid_fit_error_px)
    settings = LoopSettings(status_interval_s=config.mqtt.status_interval_s,
                            check_interval_s=config.calibration.check_interval_s)

    def moved(image) -> tuple[bool, float]:
        result = check_frame(session.rectifier, image, threshold_px=config.calibration.moved_threshold_px,
                             corner_model=corner_model)
        return result.moved, result.error_px

    def recalibrate(image) -> tuple[Calibration, float]:
        fresh = Calibration.from_fit(find_board(image, size, corner_model=corner_model), session.rectifier.source)
        fresh.save(config.calibration.file)
        return fresh, fresh.grid_fit_error_px or 0.0

    mqtt = mqtt_config(config)
    return Daemon(
        source=source, session=session,
        publisher_factory=lambda on_command: Publisher(mqtt, on_command), notifier=Notifier(), health=health,
        settings=settings, moved_check=moved,
        recalibrate=recalibrate if config.calibration.auto_recalibrate else None,
    )


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    logging.basicConfig(level=config.log.level.upper(), stream=sys.stderr, force=True,
                        format="%(levelname)s %(name)s: %(message)s")
    daemon = build_daemon(config)
    return daemon.run()
