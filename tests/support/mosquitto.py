"""A real mosquitto broker for tests, on a free port, stoppable and restartable.

Usage in a test module::

    from support.mosquitto import MqttRecorder, mosquitto  # noqa: F401  (fixture)

    def test_x(mosquitto):
        broker = mosquitto()                        # anonymous listener on 127.0.0.1
        broker = mosquitto(listener="cafile ...")   # extra lines for that listener
        broker = mosquitto(config=text, port=p)     # a whole config ({port}, {workdir} are filled in)
        broker.stop(); broker.start()               # SIGTERM: clean restart, same port and data
        broker.kill(); broker.freeze()              # SIGKILL (crash), SIGSTOP (hang)
        watcher = MqttRecorder(broker.port, ["goban/#"]); watcher.wait_subscribed()

`make_test_pki` makes a throw-away CA and certificates with the `openssl`
command; `make_password_file` runs the real `mosquitto_passwd -b`. The broker
binary is Debian's `/usr/sbin/mosquitto` (CI installs the `mosquitto`
package); tests that need it are skipped with that reason when it is absent.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path
from dataclasses import dataclass
from typing import Callable, Iterator

import pytest

from edge.publish.local_broker import MosquittoBroker, free_port, mosquitto_binary, plain_config, user_line

__all__ = ["MosquittoBroker", "free_port", "mosquitto_binary", "plain_config"]


def require_mosquitto() -> str:
    binary = mosquitto_binary()
    if binary is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    return binary


BrokerFactory = Callable[..., MosquittoBroker]


@pytest.fixture
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerFactory]:
    """Factory: `mosquitto(listener="", general="", config=None, extra_ports=())`."""
    binary = require_mosquitto()
    brokers: list[MosquittoBroker] = []

    def make(
        listener: str = "", general: str = "", config: str | None = None,
        port: int | None = None, extra_ports: tuple[int, ...] = (), start: bool = True,
    ) -> MosquittoBroker:
        workdir = tmp_path_factory.mktemp("mosquitto")
        (workdir / "data").mkdir()
        text = plain_config(listener, general) if config is None else user_line() + config
        broker = MosquittoBroker(binary, workdir, port or free_port(), text, extra_ports)
        brokers.append(broker)
        return broker.start() if start else broker

    yield make
    for broker in brokers:
        broker.kill()


@dataclass
class Received:
    topic: str
    payload: bytes
    retain: bool


class MqttRecorder:
    """A real paho subscriber that records what it receives.

    `persistent=True` keeps a broker session (clean_start False, session
    expiry) so QoS 1 messages queued while it is away are delivered later.
    """

    def __init__(
        self, port: int, topics: list[str], *, client_id: str | None = None, persistent: bool = False,
        username: str | None = None, password: str | None = None, tls_context: object | None = None,
        transport: str = "tcp", host: str = "127.0.0.1", probe_topic: str | None = None,
    ) -> None:
        import threading

        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        self.messages: list[Received] = []
        self.connect_reasons: list[str] = []
        self._cond = threading.Condition()
        self._topics = topics
        self._probe = probe_topic or f"probe/{uuid.uuid4().hex}"
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id or f"rec-{uuid.uuid4().hex[:8]}",
            protocol=MQTTProtocolVersion.MQTTv5, transport=transport,
        )
        if username is not None:
            self.client.username_pw_set(username, password)
        if tls_context is not None:
            self.client.tls_set_context(tls_context)  # type: ignore[arg-type]
        self.client.reconnect_delay_set(0.02, 0.2)  # type: ignore[arg-type]
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        props = None
        if persistent:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = 3600
        self.client.connect_async(host, port, 10, clean_start=not persistent, properties=props)
        self.client.loop_start()

    def _on_connect(self, client, userdata, flags, reason, properties) -> None:  # type: ignore[no-untyped-def]
        if not reason.is_failure:
            for topic in self._topics:
                client.subscribe(topic, qos=1)
        with self._cond:
            self.connect_reasons.append(str(reason))
            self._cond.notify_all()

    def _on_message(self, client, userdata, message) -> None:  # type: ignore[no-untyped-def]
        with self._cond:
            self.messages.append(Received(message.topic, bytes(message.payload), bool(message.retain)))
            self._cond.notify_all()

    def on(self, topic: str) -> list[Received]:
        with self._cond:
            return [m for m in self.messages if m.topic == topic]

    def wait(self, predicate: Callable[["MqttRecorder"], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))
            return True

    def wait_subscribed(self, timeout: float = 10.0, probe: bool = True) -> None:
        """Block until connected and subscribed: a message to `probe_topic` comes back.

        With `probe=False` (a client that may not publish), only until connected.
        """
        if not probe:
            if not self.wait(lambda r: "Success" in r.connect_reasons, timeout):
                raise TimeoutError(f"recorder did not connect: {self.connect_reasons}")
            return
        probe_topic = self._probe
        token = uuid.uuid4().hex.encode()  # new each call: an old echo proves nothing
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # Subscriptions made in on_connect precede the probe's on the wire,
            # so receiving the probe proves they are in place.
            if self.wait(lambda r: "Success" in r.connect_reasons, max(0.0, deadline - time.monotonic())):
                self.client.subscribe(probe_topic, qos=1)
                self.client.publish(probe_topic, token, qos=1)
                if self.wait(lambda r: any(m.payload == token for m in r.on(probe_topic)), 1.0):
                    return
        raise TimeoutError(f"recorder did not connect: {self.connect_reasons}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def make_test_pki(directory: Path) -> dict[str, Path]:
    """A throw-away CA, a server certificate for 127.0.0.1/localhost and a client certificate.

    Made with the `openssl` command (EC P-256 keys: fast); skips if it is absent.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    directory.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=directory, check=True, capture_output=True)

    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=goban test CA")
    (directory / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name, cn in (("server", "localhost"), ("client", "t1")):
        run("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}")
        extra = ["-extfile", "server.ext"] if name == "server" else []
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{name}.crt", "-days", "2", *extra)
    return {n: directory / n for n in ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")}


def make_password_file(path: Path, users: dict[str, str]) -> Path:
    """A mosquitto password file made by the real `mosquitto_passwd -b`."""
    tool = shutil.which("mosquitto_passwd")
    if tool is None:
        pytest.skip("mosquitto_passwd is not installed (package mosquitto)")
    path.touch(mode=0o600)
    for user, password in users.items():
        subprocess.run([tool, "-b", str(path), user, password], check=True, capture_output=True)
    return path
