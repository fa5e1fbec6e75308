"""Running ``ovirt-node-config-server serve`` as a separate process on a loopback port."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

STARTUP_SECONDS = 60


class ServerProcess:
    """A real server process; ``url`` is known once it logs that it listens."""

    def __init__(self, database_url: str, log_path: Path, extra_args: tuple[str, ...] = ()):
        self.database_url = database_url
        self.log_path = log_path
        argv = ["serve", "--listen", "127.0.0.1", "--port", "0", "--database", database_url, *extra_args]
        self.process = self._start(argv)
        self.url = self._wait_for_url()

    def _start(self, argv: list[str]):
        """``ovirt-node-config-server argv`` started, its output going to ``log_path``; returns
        the process (what ``subprocess.Popen`` gives, or an object with the same methods)."""
        # -P keeps the working directory off sys.path: the installed package is the one that runs.
        command = [sys.executable, "-P", "-m", "ovirt_node_config.scripts.server", *argv]
        with open(self.log_path, "wb") as log:
            return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            match = re.search(r"listening on (https?://\S+)", self.log)
            if match:
                return match.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"server did not start:\n{self.log}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
