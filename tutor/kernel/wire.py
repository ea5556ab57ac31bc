"""Messages between the front and the worker: length-prefixed pickles over one socket.

    channel = Channel(sock)
    channel.send({"op": "exec", "code": "x = 1"})
    reply = channel.recv()

This is what ``multiprocessing.connection`` does, without its import (about 12 ms on each side
of start-up, where every millisecond delays the learner's first input).
"""

from __future__ import annotations

import pickle
import socket
import struct
import threading
from typing import Any

_HEADER = struct.Struct("!Q")


class Channel:
    """One end of the worker's socket."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        # A learner's thread printing while a reply goes out must not interleave its bytes
        # with the reply's: one whole message at a time.
        self._sending = threading.Lock()
        self._detached = False

    def send(self, message: Any) -> None:
        if self._detached:
            return
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        with self._sending:
            self._sock.sendall(_HEADER.pack(len(data)) + data)

    def recv_bytes(self) -> bytes:
        """One whole message, unpickled by the caller; EOFError when the other end is gone."""
        (size,) = _HEADER.unpack(self._read_exactly(_HEADER.size))
        return self._read_exactly(size)

    def recv(self) -> Any:
        return pickle.loads(self.recv_bytes())

    def close(self) -> None:
        self._sock.close()

    def detach(self) -> None:
        """In a forked child: drop this copy of the socket, so that nothing the child does can
        reach the other end; sending becomes a no-op."""
        self._sock.close()
        self._detached = True

    @property
    def detached(self) -> bool:
        return self._detached

    def _read_exactly(self, size: int) -> bytes:
        chunks = bytearray()
        while len(chunks) < size:
            chunk = self._sock.recv(min(size - len(chunks), 1 << 20))
            if not chunk:
                raise EOFError("the other end closed the connection")
            chunks += chunk
        return bytes(chunks)
