"""What a boot is asked to do (its options) and how it can end (exit codes; ``BootError``
carries one with its reason; ``OUTCOMES``: what the server is told of each failure)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from ovirt_node_config.agent.hardware import IP_COMMAND
from ovirt_node_config.agent.kernel_routes import ROUTE_COMMANDS


class ExitCode(enum.IntEnum):
    OK = 0
    FAILED = 1  # unexpected: see the log
    USAGE = 2
    UNREACHABLE = 3  # no server, or it did not answer: nothing changed
    REFUSED = 4  # the server refused us, or its answer is outside the grammar: nothing changed
    APPLY_FAILED = 5  # modprobe, Augeas or the restart failed: previous files restored
    ROLLED_BACK = 6  # the server was lost after the restart: previous files restored, network restarted
    PENDING = 7  # the server holds this new node until an administrator accepts it: nothing changed
    VERIFY_FAILED = 8  # the running network is not the files': previous files restored, network restarted


# What the server is told of a boot that ended in these (report_status's outcomes).
OUTCOMES = {
    ExitCode.REFUSED: "refused",
    ExitCode.APPLY_FAILED: "apply_failed",
    ExitCode.ROLLED_BACK: "rolled_back",
    ExitCode.VERIFY_FAILED: "verify_failed",
}


class BootError(Exception):
    def __init__(self, code: ExitCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class BootOptions:
    root: Path = Path("/")
    server: str | None = None
    modprobe_cmd: str = "/sbin/modprobe"
    restart_cmd: str | None = None  # None: chosen by what the system has
    confirm_timeout: float = 60.0
    rpc_timeout: float = 30.0  # each socket operation; a whole call gets three of them
    retry_for: float = 120.0  # how long a busy or silent server is tried again before exit 3
    dry_run: bool = False
    lshw_cmd: str | None = None
    ip_cmd: str | None = IP_COMMAND  # None: no addresses (a scratch --root is not this host)
    route_cmds: tuple[list[str], ...] | None = ROUTE_COMMANDS  # None: routes not read (likewise)
    network_stack: str | None = None  # None: detected (agent/node_stacks)
    ca_file: str | None = None  # CA certificates to verify an https server with (else node.conf's)
    require_tls: bool = False  # refuse a server reached over plain HTTP (or node.conf's require-tls)
    verify: bool = True  # compare the running network with the files after the restart
    verify_timeout: float = 15.0  # how long the kernel and NetworkManager get to settle
