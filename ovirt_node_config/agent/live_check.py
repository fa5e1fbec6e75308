"""``ovirt-node-boot --check``: between boots, the node's live network compared with what its last
good boot applied, the verdict reported to the server (``report_check``), nothing changed.

The comparison is the one a boot verifies with (``verification``), read once, without waiting:
every bond with its mode, options and slaves (by permanent MAC), every link's MTU, bridge, VLAN,
static address, route and, with keyfiles, the profiles NetworkManager runs and the name servers
it holds. What the configuration leaves to the network is no difference: a DHCP or SLAAC address
(any address will do), a lease renewed, the active slave of active-backup, LACP partners, a
slave's link down (a warning), what the kernel moved along with a change (an MTU lowered on a
bond is one difference, not one more for each slave and VLAN). When an administrator asked for a
resync, the server says so in its answer and the check becomes a boot: the configuration fetched
and applied again, verified, rolled back if it fails, reported.
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Callable

from ovirt_node_config.agent import desired_network, discovery, hardware, owned_files, verification
from ovirt_node_config.agent.boot_options import BootError, BootOptions, ExitCode
from ovirt_node_config.agent.server_link import ServerLink
from ovirt_node_config.config_file import envelope
from ovirt_node_config.errors import InvalidInput

MAX_ENTRIES, MAX_ENTRY = 128, 300  # what the server takes of a verdict


def check(
    options: BootOptions,
    say: Callable[[str], None],
    boot: Callable[[], ExitCode],
    run_command: hardware.CommandRunner = hardware.run_command,
    resolve_srv: discovery.SrvResolver | None = None,
) -> ExitCode:
    """One check; ``boot`` runs a whole boot (a resync)."""
    last = owned_files.applied(options.root)
    if last is None:
        say("nothing applied yet: no boot of this node succeeded, nothing to check against")
        return ExitCode.OK
    hostname, text = last
    try:
        commands = envelope.parse_augtool(envelope.parse(text).augtool)
    except InvalidInput as refused:
        raise BootError(ExitCode.FAILED, f"the file applied last is unreadable: {refused.message}") from None
    desired = desired_network.from_commands(commands)
    ip_command = shlex.split(options.ip_cmd) if options.ip_cmd else None
    observed = verification.read(options.root, desired, run_command, ip_command, options.route_cmds)
    verdict = verification.judge(desired, observed)
    for difference in verdict.differences:
        say(f"differs: {difference}")
    for warning in verdict.warnings:
        say(f"warning: {warning}")
    try:
        choice = discovery.find_server(options.root, options.server, resolve_srv)
    except discovery.ServerNotFound as exc:
        raise BootError(ExitCode.UNREACHABLE, str(exc)) from None
    link = ServerLink(options.root, options, say, choice)
    server = link.proxy(options.rpc_timeout)
    report = {
        "digest": hashlib.sha256(text.encode()).hexdigest(),
        "differences": [entry[:MAX_ENTRY] for entry in verdict.differences[:MAX_ENTRIES]],
        "warnings": [entry[:MAX_ENTRY] for entry in verdict.warnings[:MAX_ENTRIES]],
    }
    answer = link.call(server.report_check, hostname, report)
    state = answer.get("state", "?")
    say(f"{hostname}: {'in sync' if not verdict.differences else f'{len(verdict.differences)} differences'}; "
        f"the server has the node {state}")  # fmt: skip
    if answer.get("resync"):
        say("an administrator asked for a resync: applying the configuration again")
        return boot()
    return ExitCode.OK
