"""Idle keep-alive connections held open during the benchmark's phases (``--idle-connections``):
the cost of a crowd of nodes that connected once and went quiet."""

from __future__ import annotations

import contextlib
import re
import resource
import socket
import xmlrpc.client
from collections.abc import Iterator

PING = xmlrpc.client.dumps((), "ping").encode()


@contextlib.contextmanager
def idle_connections(urls: list[str], count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections spread over ``urls``, each having asked one ping, then silent."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 512
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(
                resource.RLIMIT_NOFILE,
                (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard),
            )
    held: list[socket.socket] = []
    try:
        for index in range(count):
            host, port = re.match(r"https?://([^/:]+):(\d+)/", urls[index % len(urls)]).groups()
            sock = socket.create_connection((host, int(port)), timeout=30)
            held.append(sock)
            head = (
                f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/xml\r\n"
                f"Content-Length: {len(PING)}\r\n\r\n"
            )
            sock.sendall(head.encode() + PING)
            answer = sock.recv(65536)
            if not answer.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"idle connection {index}: unexpected answer {answer[:40]!r}")
        yield held
    finally:
        for sock in held:
            sock.close()
