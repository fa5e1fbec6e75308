"""The HTTP front end against clients that misbehave, through a real server process on
loopback: framing that could smuggle a request, idle and slow-loris connections that must not
stall anyone, too many connections, a shutdown with connections open."""

from __future__ import annotations

import contextlib
import re
import socket
import time
import xmlrpc.client

import pytest
from support import RunningServer

PING = xmlrpc.client.dumps((), "ping").encode()


def address(server) -> tuple[str, int]:
    host, port = re.match(r"http://([\d.]+):(\d+)/", server.url).groups()
    return host, int(port)


def connect(server, timeout: float = 10) -> socket.socket:
    return socket.create_connection(address(server), timeout=timeout)


def read_answers(sock: socket.socket) -> bytes:
    """Everything until the server closes (or 10 s of silence)."""
    data = b""
    with contextlib.suppress(TimeoutError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def post(headers: str, body: bytes) -> bytes:
    return f"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n{headers}\r\n".encode() + body


@pytest.mark.parametrize(
    "request_bytes, status",
    [
        # the body's tail is a second request: it must never run
        (
            post(f"Transfer-Encoding: chunked\r\nContent-Length: {len(PING)}\r\n", PING)
            + post(f"Content-Length: {len(PING)}\r\n", PING),
            400,
        ),
        (post(f"Content-Length: {len(PING)}\r\nContent-Length: 5\r\n", PING), 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \xb2\r\n\r\n" + PING, 400),
        (post("Transfer-Encoding: chunked\r\n", b"5\r\nhello\r\n0\r\n\r\n"), 411),
        (b"POST / HTTP/1.1\r\nHost: x\r\n Content-Length: 5\r\n\r\nhello", 400),  # folded header
        (b"POST / HTTP/1.1\r\nBad Header: 1\r\nContent-Length: 0\r\n\r\n", 400),
        (b"GARBAGE\r\n\r\n", 400),
        (b"POST / HTTP/2.0\r\nContent-Length: 0\r\n\r\n", 400),
    ],
)
def test_framing_that_could_smuggle_is_400_and_close(server, request_bytes, status):
    with connect(server) as sock:
        sock.sendall(request_bytes)
        answers = read_answers(sock)
    assert answers.startswith(f"HTTP/1.1 {status} ".encode())
    assert answers.count(b"HTTP/1.1 ") == 1 and b"Connection: close" in answers  # one answer, closed
    log = server.settled_log()
    assert " ping " not in log  # nothing ran
    assert "Traceback" not in log
    assert server.proxy().ping()["status"] == "ok"


def test_expect_100_continue_is_answered_before_the_body(server):
    with connect(server) as sock:
        sock.sendall(post(f"Content-Length: {len(PING)}\r\nExpect: 100-continue\r\n", b""))
        assert sock.recv(4096) == b"HTTP/1.1 100 Continue\r\n\r\n"  # waited for, not a timeout
        sock.sendall(PING)
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200 OK") and b"<string>ok</string>" in answer


def test_http_1_0_is_kept_alive_only_when_it_asks_and_is_told(server):
    request = f"POST / HTTP/1.0\r\nContent-Type: text/xml\r\nContent-Length: {len(PING)}\r\n".encode()
    with connect(server) as sock:
        sock.sendall(request + b"Connection: keep-alive\r\n\r\n" + PING)
        first = sock.recv(65536)
        sock.sendall(request + b"\r\n" + PING)
        second = read_answers(sock)
    assert first.startswith(b"HTTP/1.1 200") and b"Connection: keep-alive" in first
    assert second.startswith(b"HTTP/1.1 200") and b"Connection: close" in second


def test_idle_and_slow_loris_connections_stall_no_one(server):
    idle = [connect(server) for _ in range(300)]
    loris = [connect(server) for _ in range(80)]
    try:
        for sock in idle[:100]:  # keep-alive connections that asked something once
            sock.sendall(post(f"Content-Length: {len(PING)}\r\n", PING))
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        for sock in loris:
            sock.sendall(b"POST / HTTP/1.1\r\n")
        for byte in b"Host: x\r\n":  # a byte each, from every one, while others ask
            for sock in loris:
                sock.sendall(bytes([byte]))
            assert server.proxy().ping()["status"] == "ok"
        node = xmlrpc.client.ServerProxy(server.url)
        assert all(node.ping()["status"] == "ok" for _ in range(20))
    finally:
        for sock in idle + loris:
            sock.close()


@pytest.fixture
def small_server(database_url, tmp_path):
    running = RunningServer(
        database_url, tmp_path / "server.log", ("--max-connections", "20", "--request-deadline", "2")
    )
    yield running
    running.stop()


def test_beyond_max_connections_the_oldest_idle_goes_first(small_server):
    idle = [connect(small_server) for _ in range(20)]
    try:
        time.sleep(0.3)
        assert small_server.proxy().ping()["status"] == "ok"  # one more: an idle one was closed
        idle[0].settimeout(5)
        assert idle[0].recv(1) == b""  # the oldest
    finally:
        for sock in idle:
            sock.close()


def test_when_none_is_idle_a_new_connection_is_refused_with_503(small_server):
    busy = [connect(small_server) for _ in range(20)]
    try:
        for sock in busy:
            sock.sendall(b"POST / HTTP/1.1\r\n")  # each in the middle of a request
        time.sleep(0.3)
        with connect(small_server) as extra:
            assert read_answers(extra).startswith(b"HTTP/1.1 503 ")
        # the request deadline frees them: each is told 408 and closed
        assert all(read_answers(sock).startswith(b"HTTP/1.1 408 ") for sock in busy)
    finally:
        for sock in busy:
            sock.close()
    assert small_server.proxy().ping()["status"] == "ok"


def test_sigterm_with_many_idle_connections_stops_by_itself(server):
    idle = [connect(server) for _ in range(300)]
    try:
        assert server.proxy().ping()["status"] == "ok"
        assert server.stop() == 0  # not killed: RunningServer kills only after 30 s
    finally:
        for sock in idle:
            sock.close()
    assert "stopped" in server.log


def test_clients_that_reset_before_their_answer_leave_the_server_serving(server):
    import struct

    body = xmlrpc.client.dumps(({"hostname": "n1"},), "identify").encode()
    for _ in range(50):  # some resets land before the request is read, some before the answer
        sock = connect(server)
        sock.sendall(post(f"Content-Length: {len(body)}\r\n", body))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # RST, not FIN
    assert all(server.proxy().ping()["status"] == "ok" for _ in range(5))
    assert "Traceback" not in server.settled_log()
