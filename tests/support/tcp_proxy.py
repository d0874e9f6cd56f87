"""A TCP forwarder whose "cable" can be pulled: `cut()` silently drops all
traffic both ways and accepts new connections into a black hole, without
closing anything, as a dead Wi-Fi link or unplugged switch looks to both ends.
Real sockets; no MQTT knowledge."""

from __future__ import annotations

import selectors
import socket
import threading


class CuttableProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self._target = (target_host, target_port)
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._cut = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._blackholed: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        self._cut.set()

    def restore(self) -> None:
        """Traffic flows again; connections that lived through the cut are reset,
        as both ends have given up on them by then."""
        self._cut.clear()
        with self._lock:
            for sock in self._blackholed:
                _close(sock)
            self._blackholed.clear()

    def close(self) -> None:
        self._closed.set()
        _close(self._listener)
        with self._lock:
            for sock in self._sockets + self._blackholed:
                _close(sock)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._cut.is_set():
                with self._lock:
                    self._blackholed.append(client)
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
                continue
            try:
                upstream = socket.create_connection(self._target, timeout=2)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _swallow(self, sock: socket.socket) -> None:
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peer = {a: b, b: a}
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ)
        sel.register(b, selectors.EVENT_READ)
        try:
            while not self._closed.is_set():
                for key, _ in sel.select(0.2):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    if self._cut.is_set():
                        # A cut link also outlives the cut: these connections stay dead.
                        with self._lock:
                            if a not in self._blackholed:
                                self._blackholed += [a, b]
                        continue
                    with self._lock:
                        dead = a in self._blackholed
                    if not dead:
                        peer[key.fileobj].sendall(data)  # type: ignore[index]
        except OSError:
            return
        finally:
            sel.close()
            _close(a)
            _close(b)


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass
