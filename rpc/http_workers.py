"""The worker threads' half of the HTTP front end (``http_frontend``): a whole request in, its
answer out, and the fast path that keeps a node's next request on the same worker."""

from __future__ import annotations

import contextlib
import logging
import ssl

from ovirt_node_config.rpc.http_messages import (
    FramingError,
    Request,
    Response,
    encode,
    keeps_alive,
    parse_head,
)

log = logging.getLogger("ovirt_node_config.rpc")
FAST_PATH_WAIT_S = 0.02  # how long a worker waits for a client's next request before handing back


class WorkerSide:
    """Mixed into ``HttpFrontend``: what its worker threads run. The loop's state they touch is
    the request queue, the ``finished`` deque and the wake-up (see ``HttpFrontend``)."""

    def _work(self) -> None:
        """A worker thread: whole requests in, answers back to the loop (a plain queue and a
        deque: lighter than futures, which this path would pay for on every request).

        While a worker has a connection, the loop does not touch it. So the worker writes the
        answer itself when the socket takes it at once, and waits a moment (FAST_PATH_WAIT_S)
        for the client's next request: a node's identify, get_config and next boot then cost no
        hand-over to the loop and back. Anything else (a partial write, a request not whole in
        time, a framing question) goes back to the loop, which owns all the rules."""
        while (item := self.requests.get()) is not None:
            connection, request = item
            while True:
                response = self._respond(request)
                keep = connection.keep_alive and not response.close and not self._stopping.is_set()
                rest = self._send_now(connection, encode(response, request, keep))
                if rest or not keep:
                    connection.keep_alive = keep
                    self.finished.append((connection, "answer", rest))
                    break
                request = self._next_request(connection)
                if request is None:
                    self.finished.append((connection, "resume", b""))
                    break
            self._wake()

    def _respond(self, request: Request) -> Response:
        try:
            return self.handler(request)
        except Exception:
            log.exception("request from %s failed", request.client)
            return Response(500, "text/plain; charset=utf-8", b"internal error\n", close=True)

    @staticmethod
    def _send_now(connection, data: bytes) -> bytes:
        """Write what the socket takes without waiting; returns the rest."""
        view = memoryview(data)
        with contextlib.suppress(BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError, OSError):
            while view:
                view = view[connection.sock.send(view) :]
        return bytes(view)

    def _next_request(self, connection) -> Request | None:
        """The connection's next request if it is whole within a moment, else None."""
        request = self._complete_request(connection)  # pipelined: already here
        if request is None:
            try:
                connection.sock.settimeout(FAST_PATH_WAIT_S)
                chunk = connection.sock.recv(65536)
            except (TimeoutError, BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                chunk = None
            except OSError:
                chunk = b""
            finally:
                with contextlib.suppress(OSError):
                    connection.sock.setblocking(False)
            if chunk == b"":
                connection.keep_alive = False
                connection.ended = True
                return None
            if chunk:
                connection.inbound += chunk
                request = self._complete_request(connection)
        return request

    def _complete_request(self, connection) -> Request | None:
        """Take a whole, plainly acceptable request off the buffer; None leaves it to the loop."""
        end = connection.inbound.find(b"\r\n\r\n")
        if end < 0:
            return None
        try:
            request, length = parse_head(
                bytes(connection.inbound[:end]), connection.client, self.max_body_bytes, connection.local
            )
        except FramingError:
            return None
        if len(connection.inbound) < end + 4 + length or self.screen(request) is not None:
            return None
        request.body = bytes(connection.inbound[end + 4 : end + 4 + length])
        del connection.inbound[: end + 4 + length]
        connection.keep_alive = keeps_alive(request)
        return request
