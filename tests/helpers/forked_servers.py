"""Real server processes and ``ovirt-node-admin`` and ``ovirt-node-boot`` runs for tests, started
by forking a process that has already imported them, instead of starting a new interpreter for
each.

A server started as ``python -m ovirt_node_config.scripts.server serve ...`` spends about 0.3 s
importing before it listens, and the suite starts a few hundred; ``ovirt-node-admin`` costs
0.2 CPU-s before it sends anything, and the command-line tests run it about 700 times (the node
agent 0.1 CPU-s, at each of the agent tests' boots). Each test process therefore runs one
*zygote* (this file as a program): it imports the server and both commands once and then, for
each request, forks a child that redirects its output to the test's files, takes the test's
environment, niceness and working directory, and runs the same ``main(argv)`` the console
script runs. The child is a real, separate process; only the interpreter start is shared.
(Interpreter start itself is what the tests of the release and a few of the console scripts'
own exercise: they run the installed commands.)

Protocol, one JSON object per line: the test sends ``{"program", "name", "argv", "log", "errors",
"env", "cwd", "nice"}`` (``program`` a key of COMMANDS, ``name`` its ``sys.argv[0]``;
``errors``: where stderr goes, else with stdout to ``log``) and reads
``{"started": pid}``; the zygote reports every child that ends as ``{"exited": pid, "code": c}``
(``code`` as ``subprocess.Popen.returncode`` gives it: negative for a signal). When the test
process goes away (end of file on the zygote's input), the zygote stops what it started.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import traceback
import uuid
from pathlib import Path

COMMANDS = {"server": "ovirt-node-config-server", "admin": "ovirt-node-admin", "boot": "ovirt-node-boot"}

# -------------------------------------------------------------------------- the zygote program


def _zygote() -> None:
    # the imports this process exists to do once
    from ovirt_node_config.scripts import admin, node_boot, server

    programs = {"server": server.main, "admin": admin.main, "boot": node_boot.main}

    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes select() through the wakeup fd
    children: set[int] = set()
    pending = b""
    while True:
        ready, _, _ = select.select([0, wake_read], [], [])
        if wake_read in ready:
            os.read(wake_read, 4096)
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            children.discard(pid)
            _say({"exited": pid, "code": os.waitstatus_to_exitcode(status)})
        if 0 not in ready:
            continue
        chunk = os.read(0, 65536)
        if not chunk:  # the test process is gone: so are its servers
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            return
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                os.close(wake_read)
                os.close(wake_write)
                _child(programs[request["program"]], request)
            children.add(pid)
            _say({"started": pid})


def _child(main, request: dict) -> None:
    """In the forked child: become the test's server process, then exit with its code."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND)
        errors = os.open(request["errors"], os.O_WRONLY | os.O_APPEND) if request["errors"] else log
        os.dup2(log, 1)
        os.dup2(errors, 2)
        os.close(log)
        if errors != log:
            os.close(errors)
        nothing = os.open(os.devnull, os.O_RDONLY)
        os.dup2(nothing, 0)
        os.close(nothing)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.argv = [request["name"], *request["argv"]]
        os.nice(max(0, request["nice"] - os.nice(0)))  # the test process's, as Popen would inherit
        code = main(request["argv"])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported in the log, as an interpreter would
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code or 0)


def _say(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


# ----------------------------------------------------------------------- the test process's side


class ForkedProcess:
    """A server forked by the zygote, with the methods of ``subprocess.Popen`` a test uses."""

    def __init__(self, zygote: Zygote, pid: int):
        self._zygote = zygote
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._zygote.exit_code(self.pid, timeout=0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = self._zygote.exit_code(self.pid, timeout=timeout)
            if self.returncode is None:
                raise subprocess.TimeoutExpired(f"server {self.pid}", timeout)
        return self.returncode

    def send_signal(self, number: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, number)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Zygote:
    def __init__(self):
        self._process = subprocess.Popen(
            [sys.executable, "-P", str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._lock = threading.Lock()  # one fork request at a time
        self._changed = threading.Condition()
        self._started: list[int] = []
        self._exited: dict[int, int] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def fork(
        self,
        argv: list[str],
        log_path: Path,
        *,
        program: str = "server",
        errors_path: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> ForkedProcess:
        """``program`` (a key of COMMANDS) run with ``argv`` and this process's environment (or
        ``env``), its output in ``log_path`` (stderr in ``errors_path`` when given)."""
        for path in (log_path, errors_path):
            if path is not None:
                path.write_bytes(b"")  # there before the child writes to it, as with Popen
        request = {
            "program": program,
            "name": COMMANDS[program],
            "argv": argv,
            "log": str(log_path),
            "errors": str(errors_path) if errors_path else None,
            "env": dict(os.environ) if env is None else env,
            "cwd": os.getcwd(),
            "nice": os.nice(0),
        }
        with self._lock:
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            self._process.stdin.flush()
            with self._changed:
                if not self._changed.wait_for(lambda: self._started or self._process.poll() is not None, 60):
                    raise RuntimeError("the server zygote did not answer")
                if not self._started:
                    raise RuntimeError(f"the server zygote ended (code {self._process.returncode})")
                return ForkedProcess(self, self._started.pop(0))

    def exit_code(self, pid: int, timeout: float | None) -> int | None:
        with self._changed:
            self._changed.wait_for(lambda: pid in self._exited, timeout)
            return self._exited.get(pid)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()

    def _read(self) -> None:
        for line in self._process.stdout:
            message = json.loads(line)
            with self._changed:
                if "started" in message:
                    # The kernel reuses pids: an exit recorded for an earlier server of this
                    # pid is not this one's (seen once in CI: a server "ended" before it began).
                    self._exited.pop(message["started"], None)
                    self._started.append(message["started"])
                else:
                    self._exited[message["exited"]] = message["code"]
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()


def run(
    program: str, argv: list[str], env: dict[str, str], directory: Path, timeout: float = 60
) -> subprocess.CompletedProcess:
    """``program`` ("admin" or "boot") run as ``subprocess.run(..., capture_output=True,
    text=True, stdin=DEVNULL)`` runs its command, forked from the zygote; its output passes
    through files in ``directory``."""
    tag = uuid.uuid4().hex[:12]
    stdout, stderr = directory / f"{program}-{tag}.out", directory / f"{program}-{tag}.err"
    child = zygote().fork(argv, stdout, program=program, errors_path=stderr, env=env)
    command = [COMMANDS[program], *argv]
    try:
        code = child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        raise subprocess.TimeoutExpired(command, timeout) from None
    try:
        return subprocess.CompletedProcess(command, code, stdout.read_text(), stderr.read_text())
    finally:
        stdout.unlink()
        stderr.unlink()


_shared: Zygote | None = None
_shared_lock = threading.Lock()


def zygote() -> Zygote:
    """This test process's zygote, started at first use and closed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Zygote()
            atexit.register(_shared.close)
        return _shared


if __name__ == "__main__":
    _zygote()
