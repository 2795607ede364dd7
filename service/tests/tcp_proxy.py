"""A local TCP proxy that can turn into a black hole: it keeps accepting connections and keeps every connection open,
but forwards nothing in either direction, like a network that drops the packets while the peer's kernel still
acknowledges them (what a partition or a hung failover looks like from a client whose TCP stays up)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class TcpProxy:
    target_host: str
    target_port: int
    black_hole: bool = False
    port: int = 0
    _listener: socket.socket | None = None
    _sockets: list[socket.socket] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopped: threading.Event = field(default_factory=threading.Event)

    def start(self) -> TcpProxy:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept_loop, name="proxy-accept", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:
            for sock in [*self._sockets, *([self._listener] if self._listener else [])]:
                with contextlib.suppress(OSError):
                    sock.close()
            self._sockets.clear()

    def _keep(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)

    def _accept_loop(self) -> None:
        assert self._listener is not None  # noqa: S101 - started
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._keep(client)
            if self.black_hole:
                continue  # accepted, never forwarded, never closed
            try:
                upstream = socket.create_connection((self.target_host, self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self._keep(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), name="proxy-pump", daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while not self._stopped.is_set():
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                with contextlib.suppress(OSError):
                    sink.shutdown(socket.SHUT_WR)
                return
            if self.black_hole:
                continue  # read (the sender sees its data acknowledged) and dropped
            try:
                sink.sendall(data)
            except OSError:
                return


@contextmanager
def running_proxy(target_port: int) -> Iterator[TcpProxy]:
    """A proxy to 127.0.0.1:``target_port`` for the block, forwarding until told to black-hole."""
    proxy = TcpProxy("127.0.0.1", target_port).start()
    try:
        yield proxy
    finally:
        proxy.stop()
