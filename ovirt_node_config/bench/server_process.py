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
        # -P keeps the working directory off sys.path: the installed package is the one that runs.
        command = [
            sys.executable,
            "-P",
            "-m",
            "ovirt_node_config.scripts.server",
            "serve",
            "--listen",
            "127.0.0.1",
            "--port",
            "0",
            "--database",
            database_url,
            *extra_args,
        ]
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        self.url = self._wait_for_url()

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
            time.sleep(0.05)
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
        self._log.close()
        return self.process.returncode
