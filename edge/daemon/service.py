"""`goban-edge run`: the appliance's main loop.

Threads: the camera thread fills a newest-frame slot (`LatestFrame`); paho's
network thread sends and receives; this loop reads, follows and hands events
to the publisher, which stores them in its outbox and returns at once. So the
frame loop never waits on the network and the camera never waits on the loop.

The watchdog is pinged from this loop after each processed frame: a stalled
camera or a hung inference stops the pings and systemd restarts the service.
"""

from __future__ import annotations

import logging
import queue
import time
from dataclasses import dataclass
from typing import Callable

from edge.capture.base import FrameSource
from edge.capture.latest import LatestFrame
from edge.capture.reopen import ReopeningSource
from edge.daemon.health import Health
from edge.daemon.notify import Notifier, watchdog_interval
from edge.daemon.signals import StopSignals
from edge.errors import GobanError, HardwareError, NoBoardError
from edge.follow import GameSession, move_message, state_message
from edge.game.events import GameEvent
from edge.publish.commands import Command, CommandResult, EndGame, NewGame, Recalibrate, SetPlayers
from edge.publish.publisher import Publisher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoopSettings:
    status_interval_s: float = 10.0
    check_interval_s: float = 30.0
    first_frame_timeout_s: float = 60.0
    stalled_after_s: float = 5.0
    stop_timeout_s: float = 2.0
    """SIGTERM to exit stays under 3 s: this much for the broker, the rest for closing."""


Recalibrator = Callable[[object], tuple[object, float]]
"""frame image -> (new rectifier, grid error px); raises NoBoardError."""
MovedCheck = Callable[[object], tuple[bool, float]]
"""frame image -> (moved?, grid error px)."""


class Daemon:
    def __init__(self, *, source: FrameSource, session: GameSession,
                 publisher_factory: Callable[[Callable[[Command], CommandResult]], "Publisher"], notifier: Notifier,
                 health: Health, settings: LoopSettings, moved_check: MovedCheck | None = None,
                 recalibrate: Recalibrator | None = None, signals: StopSignals | None = None) -> None:
        self.source = source
        self.session = session
        self.publisher = publisher_factory(self.on_command)
        self.notifier = notifier
        self.health = health
        self.settings = settings
        self.moved_check = moved_check
        self.recalibrate = recalibrate
        self.signals = signals or StopSignals()
        self.commands: queue.Queue[Command] = queue.Queue(maxsize=64)
        self.moves_published = 0

    # -- commands arrive on paho's thread: validate, queue, answer ----------------

    def on_command(self, command: Command) -> CommandResult:
        if isinstance(command, NewGame) and command.size != self.session.size:
            return CommandResult.failure(
                f"board size {command.size} does not match the calibrated {self.session.size}x{self.session.size} board")
        if isinstance(command, Recalibrate) and self.recalibrate is None:
            return CommandResult.failure("this source has no calibration to redo")
        try:
            self.commands.put_nowait(command)
        except queue.Full:
            return CommandResult.failure("busy: too many commands waiting")
        return CommandResult.success(f"{command.name} accepted")

    def _run_command(self, command: Command, image) -> list[GameEvent]:
        follower = self.session.follower
        if isinstance(command, SetPlayers):
            black = command.black or follower.tracker.players[0]
            white = command.white or follower.tracker.players[1]
            follower.set_players(black, white)
            return []
        if isinstance(command, NewGame):
            if command.black or command.white:
                follower.set_players(command.black or "Black", command.white or "White")
            return follower.new_game(time.time())
        if isinstance(command, EndGame):
            return follower.end_game(time.time())
        if isinstance(command, Recalibrate) and image is not None:
            self._recalibrate(image)
        return []

    # -- the loop ------------------------------------------------------------------

    def run(self) -> int:
        self.signals.install()
        source = ReopeningSource(self.source, 0.5, 20.0)
        try:
            source.open()
        except GobanError:
            self.signals.restore()
            raise
        grabber = LatestFrame(source).start()
        self.publisher.start()
        try:
            return self._loop(grabber, source)
        finally:
            self.notifier.stopping("stopping")
            source.stop.set()
            grabber.stop(timeout=0.5)
            self.publisher.stop(self.settings.stop_timeout_s)
            source.close()
            self.signals.restore()
            log.info("stopped after %d move event(s)", self.moves_published)

    def _loop(self, grabber: LatestFrame, source: ReopeningSource) -> int:
        settings = self.settings
        ready = False
        last_frame = time.monotonic()
        next_status = next_check = time.monotonic()
        wd = watchdog_interval()
        log.info("waiting for the first frame from %s", self.source.name)
        while True:
            if self.signals.wait(0) is not None:
                log.info("stop requested")
                return 0
            frame = grabber.get(timeout=0.2)
            now = time.monotonic()
            if frame is None:
                if grabber.ended:
                    log.info("source %s ended", self.source.name)
                    return 0
                if not ready and now - last_frame > settings.first_frame_timeout_s:
                    raise HardwareError(f"{self.source.name} delivered no frame in {settings.first_frame_timeout_s:.0f} s")
                if ready and now - last_frame > settings.stalled_after_s and self.health.camera != "stalled":
                    self.health.camera = "stalled"
                    log.warning("camera %s stalled: no frame for %.0f s", self.source.name, now - last_frame)
                    self._publish_status()
                continue
            last_frame = now
            self.health.camera = "ok" if source.state == "ok" else source.state
            if not ready:
                self.notifier.ready("reading the board")
                self._publish_game_state()
                ready = True
                log.info("ready: first frame received, watchdog %s", f"{wd:.1f} s" if wd else "off")

            events: list[GameEvent] = []
            while not self.commands.empty():
                events += self._run_command(self.commands.get_nowait(), frame.image)
            outcome = self.session.process(frame)
            events += outcome.events
            self.health.frame_done(outcome.result.detect_s)
            if events:
                self._publish_events(events)
            self.notifier.watchdog()

            if self.moved_check is not None and now >= next_check:
                next_check = now + settings.check_interval_s
                self._check_calibration(frame.image)
            if now >= next_status:
                next_status = now + settings.status_interval_s
                self._publish_status()
                self.notifier.status(self.health.line())

    # -- publishing ------------------------------------------------------------------

    def _publish_events(self, events: list[GameEvent]) -> None:
        follower, size = self.session.follower, self.session.size
        for event in events:
            message = move_message(event, follower, size)
            if message is not None:
                seq = self.publisher.publish_move(message)
                self.moves_published += 1
                log.info("seq %d: %s %d %s %s", seq, message["kind"], message["move_number"],
                         message.get("color", ""), message.get("point", ""))
        self._publish_game_state()

    def _publish_game_state(self) -> None:
        follower = self.session.follower
        self.publisher.publish_state(state_message(follower, self.session.size))
        sgf = follower.sgf_bytes()
        if sgf is not None:
            self.publisher.publish_sgf(sgf, follower.game_id)

    def _publish_status(self) -> None:
        try:
            self.publisher.publish_status(self.health.status())
        except GobanError as exc:
            log.warning("status not published: %s", exc)

    # -- calibration -----------------------------------------------------------------

    def _check_calibration(self, image) -> None:
        try:
            moved, error = self.moved_check(image)
        except NoBoardError:
            moved, error = True, None
        self.health.calibration_error_px = None if error is None else round(float(error), 2)
        if not moved:
            self.health.calibration = "ok"
            return
        log.warning("board or camera moved (grid-fit error %s px)", "n/a" if error is None else f"{error:.1f}")
        self.health.calibration = "moved"
        if self.recalibrate is not None:
            self._recalibrate(image)

    def _recalibrate(self, image) -> None:
        try:
            rectifier, error = self.recalibrate(image)
        except NoBoardError as exc:
            log.warning("recalibration failed, keeping the old calibration: %s", exc)
            self.health.calibration = "moved, recalibration failed"
            return
        self.session.recalibrated(rectifier)
        self.health.calibration = "recalibrated"
        self.health.calibration_error_px = round(float(error), 2)
        log.info("recalibrated: grid-fit error %.2f px", error)
