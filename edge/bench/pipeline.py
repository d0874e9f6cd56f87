"""The whole appliance on a recording: frames in, moves out on MQTT, timed.

Frames are read from the video as fast as the pipeline takes them (as
`goban-edge replay` does), each through rectify -> detect -> board -> game
follower (`edge.follow.GameSession`); every move is published as the daemon
does (move event, then state and sgf) by a real `Publisher` to a local
mosquitto, and a subscriber timestamps its arrival. "Frame in" is the moment
the decoded frame is in memory, where a camera would hand it over.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from calibration.corner_model import CornerModel
from calibration.find import find_board
from calibration.store import Calibration
from edge.bench.follow_latency import FollowLatency, RecordingTruth, follow_latency
from edge.bench.stats import Summary, summarize
from edge.bench.subscriber import MoveRecorder, SubscriberSpec
from edge.capture.opencv import OpenCvSource
from edge.capture.still import first_frame
from edge.detect.detector import StoneDetector
from edge.errors import GobanError
from edge.follow import GameSession, move_message, state_message
from edge.config import AppConfig
from edge.config.load import game_config
from edge.game.events import MoveEvent
from edge.game.follower import Follower
from edge.publish import CommandResult, MqttConfig, Publisher
from edge.publish.local_broker import MosquittoBroker, free_port, mosquitto_binary, plain_config
from edge.reading import BoardReader

log = logging.getLogger(__name__)

BOARD_ID = "bench"


@dataclass(frozen=True)
class PipelineResult:
    recording: str
    model: str
    threads: int
    frames: int
    seconds: float
    fps: float
    """Frames per second through the whole loop, video decoding included."""
    frame_ms: Summary
    """Frame in -> processing done (rectify, detect, board, follower, publish calls)."""
    detect_ms: Summary
    """The network's share of each frame."""
    events: int
    """Move events published (moves, passes, corrections)."""
    frame_to_publish_ms: Summary
    """Frame in -> `publish_move` returned (the event is in the outbox and handed to paho)."""
    frame_to_receipt_ms: Summary
    """Frame in -> a subscriber on the broker received the move."""
    follow: FollowLatency | None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            out[key] = value.to_dict() if hasattr(value, "to_dict") else value
        out["seconds"] = round(self.seconds, 3)
        out["fps"] = round(self.fps, 3)
        return out


def calibrate_recording(recording: Path) -> tuple[Calibration, np.ndarray]:
    """Calibration from the recording's first frame (found automatically), and that frame."""
    image = first_frame(recording)
    return Calibration.from_fit(find_board(image, corner_model=CornerModel.load()), str(recording)), image


def _no_commands(command: Any) -> CommandResult:
    return CommandResult.failure("the benchmark takes no commands")


def run_pipeline(
    recording: Path, model: Path, calibration: Calibration, *, threads: int = 2,
    truth: RecordingTruth | None = None, max_frames: int | None = None,
) -> PipelineResult:
    binary = mosquitto_binary()
    if binary is None:
        raise GobanError("the pipeline benchmark needs mosquitto (apt-get install mosquitto)")
    work = Path(tempfile.mkdtemp(prefix="goban-bench-"))
    (work / "data").mkdir()
    broker = MosquittoBroker(binary, work, free_port(), plain_config())
    publisher: Publisher | None = None
    recorder: MoveRecorder | None = None
    source = OpenCvSource(str(recording))
    try:
        broker.start()
        recorder = MoveRecorder(SubscriberSpec("127.0.0.1", broker.port, f"goban/{BOARD_ID}/move", "goban-bench-sub"))
        if not recorder.start():
            raise GobanError("the benchmark's subscriber could not subscribe to the local broker")
        publisher = Publisher(
            MqttConfig(board_id=BOARD_ID, host="127.0.0.1", port=broker.port, outbox_path=work / "outbox.sqlite3",
                       reconnect_min_delay_s=0.05, reconnect_max_delay_s=0.5),
            _no_commands,
        )
        publisher.start()
        deadline = time.monotonic() + 10.0
        while not publisher.connected and time.monotonic() < deadline:
            time.sleep(0.01)
        if not publisher.connected:
            raise GobanError(f"the benchmark's publisher could not connect: {publisher.last_error}")
        size = calibration.board_size
        session = GameSession(
            BoardReader(StoneDetector.load(model, delegate="cpu", threads=threads, score_threshold=0.1)),
            # The daemon's own settings, so the figures are the appliance's.
            Follower(dataclasses.replace(game_config(AppConfig(), size), sgf_dir=None)), calibration, size,
            time_offset=time.time(),
        )
        source.open()
        frame_ms: list[float] = []
        detect_ms: list[float] = []
        published: dict[int, float] = {}  # seq -> frame-in
        to_publish: list[float] = []
        event_frames: dict[int, int] = {}
        index = 0
        began = time.monotonic()
        while max_frames is None or index < max_frames:
            frame = source.read()
            if frame is None:
                break
            frame_in = time.monotonic()
            outcome = session.process(frame)
            detect_ms.append(outcome.result.detect_s * 1000.0)
            follower = session.follower
            for event in outcome.events:
                if isinstance(event, MoveEvent):
                    event_frames.setdefault(event.number, index)
                message = move_message(event, follower, size)
                if message is not None:
                    seq = publisher.publish_move(message)
                    published[seq] = frame_in
                    to_publish.append((time.monotonic() - frame_in) * 1000.0)
            if outcome.events:
                publisher.publish_state(state_message(follower, size))
                if (sgf := follower.sgf_bytes()) is not None:
                    publisher.publish_sgf(sgf, follower.game_id)
            frame_ms.append((time.monotonic() - frame_in) * 1000.0)
            index += 1
        seconds = time.monotonic() - began
        publisher.flush(10.0)
        deadline = time.monotonic() + 10.0
        while recorder.count < len(published) and time.monotonic() < deadline:
            time.sleep(0.01)
        receipts = {seq: received for board, _stream, seq, *_rest, received in list(recorder.receipts) if board == BOARD_ID}
        to_receipt = [(receipts[seq] - t) * 1000.0 for seq, t in published.items() if seq in receipts]
        follow = None
        if truth is not None:
            follow = follow_latency(truth.calm_frames(index), event_frames, truth.fps)
        return PipelineResult(
            recording=str(recording), model=str(model), threads=threads, frames=index, seconds=seconds,
            fps=index / seconds if seconds > 0 else 0.0, frame_ms=summarize(frame_ms), detect_ms=summarize(detect_ms),
            events=len(published), frame_to_publish_ms=summarize(to_publish), frame_to_receipt_ms=summarize(to_receipt),
            follow=follow,
        )
    finally:
        source.close()
        if publisher is not None:
            publisher.stop(timeout=1.0)
        if recorder is not None:
            recorder.stop()
        broker.kill()
        shutil.rmtree(work, ignore_errors=True)
