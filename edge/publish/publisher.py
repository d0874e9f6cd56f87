"""The board's MQTT client: retained state, ordered move events, commands.

Delivery guarantee for `move` events: each is stored in the on-disk outbox
before it is handed to paho, and removed only when the broker acknowledges it.
On every (re)connection the publisher drops whatever paho still holds from the
old connection and sends every unacknowledged event again from the outbox,
oldest first, before any newer event; so a subscriber sees sequence numbers in
order, with duplicates (same `seq`, same bytes) as the only irregularity.

Threads: the caller's thread and paho's network thread. `_send_lock` orders
every hand-over to paho (it is held while checking `_online` and publishing, and
by the reconnect path while it replays), so a new event can never overtake a
replayed one. `_ack_lock` guards the mid -> seq bookkeeping; paho calls
`on_publish` while holding its own message lock, so that callback never takes
`_send_lock`.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from typing import Any, Callable, Mapping

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from edge import __version__
from edge.errors import GobanError
from edge.publish.commands import MAX_COMMAND_BYTES, Command, CommandError, CommandResult, parse_command
from edge.publish.config import MqttConfig
from edge.publish.discovery import discovery_messages
from edge.publish.outbox import Outbox
from edge.publish.payloads import (
    move_payload,
    result_payload,
    sgf_payload,
    state_payload,
    status_payload,
)
from edge.publish.topics import Topics

log = logging.getLogger(__name__)

CommandHandler = Callable[[Command], CommandResult]


class Publisher:
    """Publishes one board's topics; see docs/mqtt.md for the contract.

    `on_command` runs on paho's network thread: it should only validate and
    queue the work for the daemon's main loop, and return quickly.
    """

    def __init__(self, config: MqttConfig, on_command: CommandHandler, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.topics = Topics(config.prefix, config.board_id)
        self._on_command = on_command
        self._clock = clock
        self._send_lock = threading.Lock()
        self._ack_lock = threading.Lock()
        self._tracked: dict[int, int | None] = {}  # mid -> move seq (None: not a move)
        self._early: dict[int, ReasonCode | None] = {}  # acks that beat their registration
        self._online = False
        self._latest_state: bytes | None = None
        self._latest_sgf: bytes | None = None
        self._last_error: str | None = None
        self._outbox: Outbox | None = None
        self._client: mqtt.Client | None = None
        self._stopped = False

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        """Open the outbox and connect in the background (never blocks on the network)."""
        if self._client is not None:
            raise RuntimeError("publisher already started")
        cfg = self.config
        cfg.check_files()
        self._outbox = Outbox(cfg.outbox_path)
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=cfg.effective_client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        client.enable_logger(logging.getLogger("edge.publish.paho"))
        client.suppress_exceptions = True  # a callback bug must not kill the network thread
        if cfg.username is not None:
            client.username_pw_set(cfg.username, cfg.password)
        if cfg.uses_tls:
            client.tls_set_context(self._tls_context())
        client.will_set(self.topics.available, b"offline", qos=1, retain=True)
        client.reconnect_delay_set(cfg.reconnect_min_delay_s, cfg.reconnect_max_delay_s)  # type: ignore[arg-type]
        client.max_queued_messages_set(0)
        client.on_pre_connect = self._on_pre_connect
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = cfg.session_expiry_s
        self._client = client
        client.connect_async(cfg.host, cfg.port, cfg.keepalive_s, clean_start=False, properties=props)
        client.loop_start()
        log.info(
            "publishing board %s to %s:%d%s (%d move event(s) waiting in the outbox)",
            cfg.board_id, cfg.host, cfg.port, " over TLS" if cfg.uses_tls else "", len(self._outbox),
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Announce `offline`, wait up to `timeout` for the outbox to drain, disconnect.

        Events still unacknowledged stay in the outbox for the next start.
        """
        if self._client is None or self._stopped:
            return
        self._stopped = True
        client, outbox = self._client, self._outbox
        assert outbox is not None
        deadline = time.monotonic() + timeout
        offline = None
        with self._send_lock:
            if self._online:
                offline = self._send(self.topics.available, b"offline", retain=True)
        if offline is not None:
            while time.monotonic() < deadline and self._online:
                if offline.is_published() and len(outbox) == 0:
                    break
                time.sleep(0.01)
        left = len(outbox)
        client.disconnect()
        try:
            client.loop_stop()
        except AttributeError:
            pass  # paho 2.2 races with its own network thread, which clears `_thread` as it exits
        with self._send_lock:
            self._online = False
        outbox.close()
        log.info("publisher stopped; %d move event(s) kept in the outbox", left)

    @property
    def connected(self) -> bool:
        """True once connected and the outbox has been handed over again."""
        return self._online

    @property
    def last_error(self) -> str | None:
        """Why the last connection attempt failed, None once connected."""
        return self._last_error

    def pending_moves(self) -> int:
        """Move events not yet acknowledged by the broker."""
        return len(self._require_outbox())

    def flush(self, timeout: float) -> bool:
        """Wait until every move event is acknowledged; False on timeout."""
        deadline = time.monotonic() + timeout
        while len(self._require_outbox()):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    # -- publishing (caller's thread) ----------------------------------------

    def publish_move(self, event: Mapping[str, Any]) -> int:
        """Store the move event durably and queue it; returns its sequence number.

        Never waits for the network. Raises BadInputError for an event that
        breaks the contract (docs/mqtt.md), OutboxError if the disk refuses it.
        """
        outbox = self._require_outbox()
        now = self._clock()
        board = self.config.board_id
        with self._send_lock:
            entry = outbox.append(
                self.topics.move, lambda seq: move_payload(event, board, outbox.stream, seq, now)
            )
            if self._online:
                self._send(entry.topic, entry.payload, seq=entry.seq)
        return entry.seq

    def publish_state(self, state: Mapping[str, Any]) -> None:
        self._require_outbox()
        payload = state_payload(state, self.config.board_id, self._clock())
        with self._send_lock:
            self._latest_state = payload
            if self._online:
                self._send(self.topics.state, payload, retain=True)

    def publish_sgf(self, sgf: bytes, game_id: str | None = None) -> None:
        self._require_outbox()
        payload = sgf_payload(sgf, game_id, self.config.board_id, self._clock())
        with self._send_lock:
            self._latest_sgf = payload
            if self._online:
                self._send(self.topics.sgf, payload, retain=True)

    def publish_status(self, status: Mapping[str, Any]) -> None:
        """Health figures; dropped while offline (the next one will do)."""
        self._require_outbox()
        payload = status_payload(status, self.config.board_id, self._clock(), __version__)
        with self._send_lock:
            if self._online:
                self._send(self.topics.status, payload)

    # -- internals -------------------------------------------------------------

    def _require_outbox(self) -> Outbox:
        if self._outbox is None or self._stopped:
            raise RuntimeError("publisher is not running: call start() first")
        return self._outbox

    def _tls_context(self) -> ssl.SSLContext:
        cfg = self.config
        ctx = ssl.create_default_context(
            cafile=None if cfg.tls_ca_file is None else str(cfg.tls_ca_file)
        )
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if cfg.tls_cert_file is not None and cfg.tls_key_file is not None:
            ctx.load_cert_chain(str(cfg.tls_cert_file), str(cfg.tls_key_file))
        return ctx

    def _send(self, topic: str, payload: bytes, *, retain: bool = False, seq: int | None = None) -> mqtt.MQTTMessageInfo:
        """Hand one message to paho. Caller holds `_send_lock`."""
        assert self._client is not None
        info = self._client.publish(topic, payload, qos=self.config.qos, retain=retain)
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            log.warning("paho refused a message for %s: %s", topic, mqtt.error_string(info.rc))
        with self._ack_lock:
            early = info.mid in self._early
            reason = self._early.pop(info.mid, None)
            if not early:
                self._tracked[info.mid] = seq
        if early and seq is not None:
            self._acked(seq, reason)
        return info

    def _acked(self, seq: int, reason: ReasonCode | None) -> None:
        assert self._outbox is not None
        if reason is not None and reason.is_failure:
            # Retrying cannot help (an ACL or a quota refused it); keeping it
            # would replay it on every reconnect forever.
            log.error("broker refused move event %d (%s); dropped from the outbox", seq, reason)
        self._outbox.ack(seq)

    def _on_pre_connect(self, client: mqtt.Client, userdata: Any) -> None:
        # Waiting for the lock guarantees no caller is between its `_online`
        # check and its publish while the new socket comes up.
        with self._send_lock:
            self._online = False

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, properties: Any) -> None:
        try:
            if reason.is_failure:
                self._note_failure(f"broker refused the connection: {reason}")
                return
            assert self._outbox is not None
            with self._send_lock:
                dropped = client.drop_out_messages()
                with self._ack_lock:
                    self._tracked.clear()
                    self._early.clear()
                self._send(self.topics.available, b"online", retain=True)
                if self.config.ha_discovery:
                    for topic, payload in discovery_messages(self.topics, self.config.ha_discovery_prefix, __version__):
                        self._send(topic, payload, retain=True)
                if self._latest_state is not None:
                    self._send(self.topics.state, self._latest_state, retain=True)
                if self._latest_sgf is not None:
                    self._send(self.topics.sgf, self._latest_sgf, retain=True)
                for message in dropped:
                    if message.topic == self.topics.command_result:
                        self._send(message.topic, message.payload)
                client.subscribe(
                    self.topics.command_filter,
                    options=SubscribeOptions(qos=1, noLocal=True, retainHandling=SubscribeOptions.RETAIN_DO_NOT_SEND),
                )
                replay = self._outbox.pending()
                for entry in replay:
                    self._send(entry.topic, entry.payload, seq=entry.seq)
                self._online = True
            if self._last_error is not None:
                log.info("connected to %s:%d again", self.config.host, self.config.port)
            else:
                log.info("connected to %s:%d", self.config.host, self.config.port)
            self._last_error = None
            if replay:
                log.info("sent %d unacknowledged move event(s) again, from seq %d", len(replay), replay[0].seq)
        except Exception:  # noqa: BLE001 - never let a bug kill paho's thread
            log.exception("error while setting up the MQTT session")

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        self._note_failure(f"cannot reach the broker at {self.config.host}:{self.config.port}")

    def _note_failure(self, message: str) -> None:
        if message != self._last_error:
            log.warning("%s; retrying with backoff", message)
        self._last_error = message

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, properties: Any) -> None:
        was_online, self._online = self._online, False
        if was_online and not self._stopped:
            log.warning("lost the broker connection (%s); reconnecting", reason)

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason: ReasonCode, properties: Any) -> None:
        try:
            with self._ack_lock:
                if mid not in self._tracked:
                    self._early[mid] = reason
                    return
                seq = self._tracked.pop(mid)
            if seq is not None:
                self._acked(seq, reason)
        except Exception:  # noqa: BLE001
            log.exception("error while recording an acknowledgement")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            name = self.topics.command_name(message.topic)
            if name is None or name == "result":
                return
            payload = bytes(message.payload)
            request_id: str | None = None
            try:
                command = parse_command(name, payload)
            except CommandError as exc:
                request_id = _request_id(payload)
                log.warning("rejected command %.64s: %s", name, exc)
                result = CommandResult.failure(str(exc))
            else:
                request_id = command.request_id
                result = self._run(command)
            body = result_payload(
                name, request_id, result.ok, result.message, result.detail, self.config.board_id, self._clock()
            )
            with self._send_lock:
                self._send(self.topics.command_result, body)
        except Exception:  # noqa: BLE001
            log.exception("error while answering a command")

    def _run(self, command: Command) -> CommandResult:
        try:
            result = self._on_command(command)
        except GobanError as exc:
            return CommandResult.failure(str(exc))
        except Exception:  # noqa: BLE001 - answer, log, keep running
            log.exception("command %s failed", command.name)
            return CommandResult.failure("internal error; see the board's log")
        if not isinstance(result, CommandResult):
            log.error("command handler returned %r, not a CommandResult", type(result).__name__)
            return CommandResult.failure("internal error; see the board's log")
        return result


def _request_id(payload: bytes) -> str | None:
    """The `id` of a rejected command when it can be read, so the sender can match the reply."""
    if len(payload) > MAX_COMMAND_BYTES:
        return None
    try:
        body = json.loads(payload.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    request_id = body.get("id") if isinstance(body, dict) else None
    if isinstance(request_id, str) and 1 <= len(request_id) <= 64 and request_id.isprintable():
        return request_id
    return None
