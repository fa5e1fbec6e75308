"""The boot sequence of a node, with its safety net.

Steps: find the server; collect the hardware and tell which network stack the node has
(``network_stack``); ``identify``; ``get_config`` with the node's MAC -> name map; check the
answer with the strict parsers (a pre-config script may only load the bonding module, the augtool
section may only rewrite ifcfg files or NetworkManager keyfiles); save it and its two sections
under ``/var/tmp``; load the bonding module; back up the files about to change (and, for
keyfiles, move aside the other profiles that bind the same interfaces); apply the augtool section
with python-augeas; restart networking (for keyfiles: ``nmcli connection reload``, then
``nmcli connection up`` for each bond and plain NIC written); verify that the running network is
the one written (``verification``: the kernel's bonds, their modes, options and slaves, the
addresses, NetworkManager's active profiles), as nmstate does after every apply; and confirm
that the server still answers ``ping``. When Augeas or the restart fails, the kernel's network
differs from the files, or the server is lost after the restart, the previous files are restored
byte for byte and networking restarted again with them. Nothing is changed when the server cannot
be reached or its answer is refused.
"""

from __future__ import annotations

import enum
import hashlib
import http.client
import itertools
import random
import shlex
import shutil
import ssl
import subprocess
import time
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ovirt_node_config.agent import (
    answer_scope,
    desired_network,
    discovery,
    hardware,
    kernel_state,
    network_stack,
    verification,
)
from ovirt_node_config.agent.augeas_apply import AugeasApplyError, apply_commands, files_for, touched_files
from ovirt_node_config.agent.credential import CredentialStore
from ovirt_node_config.agent.hardware import IP_COMMAND
from ovirt_node_config.agent.network_files import Backup, foreign_profiles, replace_file, restored_profiles
from ovirt_node_config.agent.owned_files import Manifest, set_aside
from ovirt_node_config.config_file import envelope
from ovirt_node_config.config_file.grammar import AugeasCommand
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network.model import VLAN
from ovirt_node_config.rpc_client import MalformedAnswer, server_proxy

SAVED_CONFIG = "var/tmp/node-config"
BUSY = 503  # the fault of a server whose database is busy or unavailable: try again later
RETRY_MAX_DELAY_S = 30


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
    network_stack: str | None = None  # None: detected (agent/network_stack.py)
    ca_file: str | None = None  # CA certificates to verify an https server with (else node.conf's)
    require_tls: bool = False  # refuse a server reached over plain HTTP (or node.conf's require-tls)
    verify: bool = True  # compare the running network with the files after the restart
    verify_timeout: float = 15.0  # how long the kernel and NetworkManager get to settle


def default_restart_command(root: Path = Path("/")) -> str:
    """``systemctl restart network``, ``service network restart`` or NetworkManager's reload."""
    legacy_unit = any(
        (root / p).exists()
        for p in (
            "etc/rc.d/init.d/network",
            "etc/init.d/network",
            "usr/lib/systemd/system/network.service",
            "etc/systemd/system/network.service",
        )
    )
    if legacy_unit and shutil.which("systemctl"):
        return "systemctl restart network"
    if legacy_unit and shutil.which("service"):
        return "service network restart"
    if shutil.which("nmcli"):
        return "nmcli connection reload"
    return "systemctl restart network"


class BootAgent:
    def __init__(
        self,
        options: BootOptions,
        say: Callable[[str], None],
        resolve_srv: discovery.SrvResolver | None = None,
        run_command: hardware.CommandRunner = hardware.run_command,
    ):
        self.options = options
        self.say = say
        self.resolve_srv = resolve_srv
        self.run_command = run_command
        self.applied = False  # this boot wrote files
        self.bonds: list[str] = []  # the bonds its configuration defines
        self.root = options.root

    def run(self) -> ExitCode:
        options = self.options
        try:
            choice = discovery.find_server(self.root, options.server, self.resolve_srv)
        except discovery.ServerNotFound as exc:
            raise BootError(ExitCode.UNREACHABLE, str(exc)) from None
        self.say(f"[1/7] server {choice.url} (from {choice.source})")
        self.url = choice.url
        self.ca_file = self._tls_settings(choice)
        self.credential = CredentialStore(self.root)
        server = self._proxy(options.rpc_timeout)

        report = hardware.collect(
            self.root, ip_command=options.ip_cmd, lshw_command=options.lshw_cmd, run=self.run_command
        )
        report["network_stack"] = options.network_stack or network_stack.detect(self.root)
        macs = {nic["mac"].lower(): nic["iface_name"] for nic in report["nics"]}
        names = [
            nic["iface_name"] + (" (link down)" if nic.get("link_state") == "down" else "")
            for nic in report["nics"]
        ]
        self.say(
            f"[2/7] hardware: {report['hostname']}, {len(report['cpus'])} CPUs, "
            f"NICs {', '.join(names) or 'none'}; network stack {report['network_stack']}"
        )
        if options.dry_run:
            return self._dry_run(server, report, macs)

        result = self._call(server.identify, report)
        if result.get("credential"):
            self.credential.keep(result["credential"])
            self.say(
                f"      enrolled: credential kept in /{self.credential.path.relative_to(self.root)} (0600)"
            )
        if result.get("status") == "pending":
            raise BootError(
                ExitCode.PENDING,
                f"waiting for an administrator to accept {result.get('hostname')} "
                f"(claim {result.get('claim')}); nothing changed, boot again once accepted",
            )
        self.say(
            f"[3/7] identified as {result['hostname']}: added {len(result['added'])}, "
            f"updated {len(result['updated'])}, removed {len(result['removed'])} NICs"
        )
        for entry in result.get("skipped", []):
            self.say(f"      not in the inventory: {entry.get('iface_name')}: {entry.get('reason')}")
        for entry in result.get("released", []):
            self.say(f"      {entry.get('mac')} left bond {entry.get('bond')} (no longer reported)")
        if result.get("degraded_bonds"):
            self.say(
                f"      warning: bonds with fewer than two slaves: {', '.join(result['degraded_bonds'])}"
            )
        text = self._call(server.get_config, result["hostname"], macs)
        started = time.monotonic()
        try:
            code = self._configure(text, macs)
        except BootError as error:
            if error.code in OUTCOMES:
                self._report_status(result["hostname"], text, OUTCOMES[error.code], error.message, started)
            raise
        self._report_status(
            result["hostname"], text, "applied" if self.applied else "unchanged", None, started
        )
        return code

    def _configure(self, text: object, macs: dict[str, str]) -> ExitCode:
        """Check, save and apply the configuration ``text``; the boot's exit code."""
        options = self.options
        mode, commands, sections = self._check(text, {name: mac for mac, name in macs.items()})
        self._save(text, sections)
        self.say(
            f"[4/7] configuration saved to /{SAVED_CONFIG}: "
            f"{'bonding mode ' + str(mode) if mode is not None else 'no bonds'}, "
            f"{len(touched_files(commands))} {'keyfiles' if files_for(commands).keyfiles else 'ifcfg files'}"
        )
        if mode is not None:
            self._command(shlex.split(options.modprobe_cmd) + ["bonding", f"mode={mode}"], "loading bonding")
        self.say(f"[5/7] bonding module {'loaded' if mode is not None else 'not needed'}")
        if not commands:
            self.say("[6/7] nothing to write; [7/7] network left as it is")
            return ExitCode.OK
        self.bonds = list(desired_network.from_commands(commands).bonds)
        self.applied = True
        return self._apply(commands)

    def _report_status(
        self, hostname: str, text: object, outcome: str, reason: str | None, started: float
    ) -> None:
        """Tell the server how this boot went (report_status); a server that cannot hear it
        changes nothing of the boot's outcome."""
        status = {
            "outcome": outcome,
            "digest": hashlib.sha256(text.encode()).hexdigest() if isinstance(text, str) else "",
            "reason": (reason or "")[:1000],
            "timings": {"configure": round(time.monotonic() - started, 3)},
            "bonds": [
                _kernel_view(found)
                for name in self.bonds
                if (found := kernel_state.bond(self.root, name, []))
            ],
        }
        try:
            answer = self._proxy(min(self.options.rpc_timeout, 10.0)).report_status(hostname, status)
            self.say(
                f"      reported {outcome.replace('_', ' ')}; the server has the node {answer.get('state')}"
            )
        except Exception as exc:  # noqa: BLE001 - a report is not worth failing a boot for
            self.say(f"      status not reported ({_reason(exc) if isinstance(exc, OSError) else exc})")

    def _apply(self, commands: list[AugeasCommand]) -> ExitCode:
        files = files_for(commands)
        written = touched_files(commands)
        profiles = _profiles(commands) if files.keyfiles else None
        manifest = Manifest.load(self.root)
        stale, changed_since = manifest.stale(self.root, files.directory, written)
        ours = [*written, *stale, *changed_since]  # a file of ours is never "foreign" too
        aside = (
            foreign_profiles(self.root / files.directory, ours, profiles.interfaces, profiles.macs)
            if profiles
            else []
        )
        aside += changed_since  # ours once, an operator's since: kept, not deleted
        backup = Backup(self.root, files.directory, written + aside + stale)
        try:
            kept_in = set_aside(self.root, files.directory, aside)
            for name in aside + stale:  # backed up above: a rollback puts them back
                (self.root / files.directory / name).unlink()
            apply_commands(self.root, commands)
        except (AugeasApplyError, OSError) as exc:
            backup.restore()
            raise BootError(ExitCode.APPLY_FAILED, f"Augeas failed, previous files restored: {exc}") from None
        self.say(
            f"[6/7] wrote {', '.join(written)}"
            + (
                f"; moved aside {', '.join(aside)} (kept in /{kept_in.relative_to(self.root)})"
                if aside
                else ""
            )
            + (
                f"; removed {', '.join(stale)} (written by an earlier boot, no longer configured)"
                if stale
                else ""
            )
        )
        removed = [name.removesuffix(files.suffix) for name in stale] if files.keyfiles else []
        restarts = self._restart_commands(profiles, backup.changed(), removed)

        def roll_back() -> None:
            backup.restore()
            self._restart_quietly(self._rollback_commands(restarts, profiles, backup))

        try:
            for restart in restarts:
                self._command(restart, "restarting the network")
        except BootError as exc:
            roll_back()
            raise BootError(ExitCode.APPLY_FAILED, f"{exc.message}; previous files restored") from None
        differences = self._verify(commands)
        if differences:
            roll_back()
            raise BootError(
                ExitCode.VERIFY_FAILED,
                "the running network is not what was written: "
                + "; ".join(differences)
                + "; previous files restored and the network restarted",
            )
        if self._server_answers():
            Manifest.of(self.root, files.directory, written).save(self.root)
            self.say("[7/7] network restarted; the server answers")
            return ExitCode.OK
        roll_back()
        raise BootError(
            ExitCode.ROLLED_BACK,
            f"the server did not answer within {self.options.confirm_timeout:g}s after the restart; "
            "previous files restored and the network restarted",
        )

    def _verify(self, commands: list[AugeasCommand]) -> list[str]:
        """The differences between the running network and the files, once it settled; warnings
        (a slave's link down, 802.3ad slaves in different aggregators) are said, not returned."""
        if not self.options.verify:
            self.say("      not verified (--no-verify)")
            return []
        desired = desired_network.from_commands(commands)
        ip_command = shlex.split(self.options.ip_cmd) if self.options.ip_cmd else None
        verdict = verification.settle(
            desired,
            lambda: verification.read(self.root, desired, self.run_command, ip_command),
            self.options.verify_timeout,
        )
        for warning in verdict.warnings:
            self.say(f"      warning: {warning}")
        if not verdict.differences:
            bonds = ", ".join(
                f"{name} ({len(bond.slaves)} slaves)" for name, bond in sorted(desired.bonds.items())
            )
            others = len(desired.links) - len(desired.bonds)
            self.say(
                f"      verified: {bonds or 'no bonds'}, {others} other interfaces (MTU, bridges, VLANs, "
                f"IPv6), addresses of {len(desired.addresses)}"
            )
        return verdict.differences

    def _tls_settings(self, choice: discovery.ServerChoice) -> str | None:
        """The CA file to verify the server with; refuses plain HTTP under require-tls."""
        conf = discovery.node_settings(self.root)
        required = self.options.require_tls or conf.get("require-tls", "").lower() in ("yes", "true", "1")
        if required and not choice.url.startswith("https://"):
            raise BootError(
                ExitCode.REFUSED,
                f"require-tls: {choice.url} (from {choice.source}) is plain HTTP; give an https:// server",
            )
        ca_file = self.options.ca_file or conf.get("ca-file")
        if ca_file and not self.options.ca_file:  # node.conf names a path on the node
            ca_file = str(self.root / ca_file.lstrip("/"))
        if ca_file and not Path(ca_file).is_file():
            raise BootError(ExitCode.USAGE, f"no CA file at {ca_file}")
        return ca_file

    def _proxy(self, timeout: float):
        return server_proxy(
            self.url, timeout=timeout, ca_file=self.ca_file, bearer=lambda: self.credential.value
        )

    def _dry_run(self, server, report: dict, macs: dict[str, str]) -> ExitCode:
        self.say(f"[3/7] would identify {report['hostname']} with {len(report['nics'])} NICs (dry run)")
        try:
            text = server.get_config(report["hostname"], macs)
        except xmlrpc.client.Fault as fault:
            self.say(f"[4/7] no configuration yet ({fault.faultString}); dry run ends here")
            return ExitCode.OK
        except MalformedAnswer as exc:
            raise BootError(ExitCode.REFUSED, f"the server's answer was refused: {exc}") from None
        except ssl.SSLError as exc:
            raise BootError(ExitCode.REFUSED, _tls_failure(self.url, exc)) from None
        except xmlrpc.client.ProtocolError as exc:
            if exc.errcode == 401:
                raise BootError(ExitCode.REFUSED, self._unauthorized(exc)) from None
            raise BootError(ExitCode.UNREACHABLE, f"the server did not answer: {_reason(exc)}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise BootError(ExitCode.UNREACHABLE, f"the server did not answer: {_reason(exc)}") from None
        mode, commands, _ = self._check(text, {name: mac for mac, name in macs.items()})
        self.say(f"[4/7] would save the configuration to /{SAVED_CONFIG}")
        if mode is not None:
            self.say(f"[5/7] would run: {self.options.modprobe_cmd} bonding mode={mode}")
        for command in commands:
            self.say(f"[6/7] would {command.verb} {command.path or ''} {command.value or ''}".rstrip())
        profiles = _profiles(commands) if commands and files_for(commands).keyfiles else None
        for restart in self._restart_commands(profiles):
            self.say(f"[7/7] would run: {shlex.join(restart)}")
        return ExitCode.OK

    def _call(self, method, *args):
        """One call; a busy (503), throttling (429, after its Retry-After) or silent server is
        tried again with backoff for up to ``retry_for`` seconds, then exit 3. A refusal or a
        malformed answer is exit 4 at once."""
        give_up = time.monotonic() + self.options.retry_for
        asked = None  # seconds a 429's Retry-After asks for
        for attempt in itertools.count(1):
            try:
                return method(*args)
            except xmlrpc.client.Fault as fault:
                if fault.faultCode != BUSY:
                    raise BootError(ExitCode.REFUSED, f"the server refused: {fault.faultString}") from None
                reason = f"the server is busy: {fault.faultString}"
            except MalformedAnswer as exc:
                raise BootError(ExitCode.REFUSED, f"the server's answer was refused: {exc}") from None
            except ssl.SSLError as exc:
                raise BootError(ExitCode.REFUSED, _tls_failure(self.url, exc)) from None
            except xmlrpc.client.ProtocolError as exc:
                if exc.errcode == 401:
                    raise BootError(ExitCode.REFUSED, self._unauthorized(exc)) from None
                if exc.errcode == 429:  # too many new nodes at once: as the server asks
                    asked = _retry_after(exc)
                    reason = f"the server asks to wait: {_reason(exc)}"
                elif exc.errcode < 500:
                    raise BootError(ExitCode.REFUSED, f"the server refused: {_reason(exc)}") from None
                else:
                    reason = f"the server did not answer: {_reason(exc)}"
            except (OSError, http.client.HTTPException) as exc:
                reason = f"the server did not answer: {_reason(exc)}"
            delay = min(RETRY_MAX_DELAY_S, 2**attempt) * random.uniform(0.5, 1.0)  # noqa: S311 - jitter
            if asked is not None:
                delay, asked = max(delay, min(asked, self.options.retry_for)), None
            if time.monotonic() + delay > give_up:
                raise BootError(ExitCode.UNREACHABLE, f"{reason}; nothing changed, try again later")
            self.say(f"      {reason}; trying again in {delay:.0f}s")
            time.sleep(delay)
        raise AssertionError("unreachable")

    def _unauthorized(self, exc: xmlrpc.client.ProtocolError) -> str:
        held = "the credential this node holds" if self.credential.value else "no credential"
        return (
            f"the server refused ({_reason(exc)}): this host is enrolled and this node presented {held}; "
            "if it is this host, an administrator can let it enrol again: "
            "ovirt-node-admin node-reset-credential HOST"
        )

    def _check(self, text: object, reported: dict[str, str]):
        """Parse the answer strictly, and refuse it if it touches what is not ours (``reported``:
        NIC name -> MAC); returns (mode or None, augtool commands, sections)."""
        try:
            if not isinstance(text, str):
                raise InvalidInput("configuration", "is not text")
            sections = envelope.parse(text)
            mode = (
                envelope.parse_pre_config(sections.pre_config_script) if sections.pre_config_script else None
            )
            commands = envelope.parse_augtool(sections.augtool) if sections.augtool else []
            answer_scope.check(commands, reported)
        except InvalidInput as exc:
            raise BootError(
                ExitCode.REFUSED, f"configuration refused, nothing changed: {exc.message}"
            ) from None
        return mode, commands, sections

    def _save(self, text: str, sections: envelope.ConfigSections) -> None:
        files = {
            SAVED_CONFIG: text,
            envelope.PRE_CONFIG_PATH.lstrip("/"): sections.pre_config_script,
            envelope.AUGTOOL_PATH.lstrip("/"): sections.augtool,
        }
        for relative, content in files.items():
            path = self.root / relative
            if content is None:
                path.unlink(missing_ok=True)  # a link planted there goes, not what it points to
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            mode = 0o755 if relative == envelope.PRE_CONFIG_PATH.lstrip("/") else 0o644
            replace_file(path, content.encode(), mode)

    def _command(self, argv: list[str], what: str) -> None:
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BootError(ExitCode.APPLY_FAILED, f"{what} failed: {shlex.join(argv)}: {exc}") from None
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise BootError(
                ExitCode.APPLY_FAILED,
                f"{what} failed: {shlex.join(argv)} exited {result.returncode}"
                + (f": {detail[-1]}" if detail else ""),
            )

    def _restart_commands(
        self, profiles: Profiles | None, changed: set[str] | None = None, removed: list[str] = ()
    ) -> list[list[str]]:
        """``--restart-cmd``; for keyfiles NetworkManager's reload and bringing up each bond and
        plain NIC (their slaves follow) whose profile, or a slave's, was changed (``changed``: the
        file names; None: all) or that NetworkManager does not have connected with it, after
        taking down the active ones of ``removed`` (profiles of ours the answer no longer writes:
        a bridge or VLAN still holding a bond would cancel the bond's activation); else by what
        the system has."""
        if self.options.restart_cmd:
            return [shlex.split(self.options.restart_cmd)]
        if profiles is None:
            return [shlex.split(default_restart_command(self.root))]
        up = profiles.up
        asked = changed is not None or removed
        devices = (
            self.run_command(["nmcli", "-t", "-f", kernel_state.NM_DEVICE_FIELDS, "device"])
            if asked
            else None
        )
        if changed is not None:
            up = _needing_up(profiles, changed, devices)
            kept = [name for name in profiles.up if name not in up]
            if kept:
                self.say(f"      unchanged and active, left as they are: {', '.join(kept)}")
        active = {connection for _, connection in (kernel_state.nm_devices(devices) or {}).values()}
        downs = [["nmcli", "connection", "down", "id", name] for name in removed if name in active]
        return [*downs, ["nmcli", "connection", "reload"]] + [
            ["nmcli", "connection", "up", name] for name in up
        ]

    def _rollback_commands(
        self, restarts: list[list[str]], profiles: Profiles | None, backup: Backup
    ) -> list[list[str]]:
        """After restoring the files: the same restart, except that NetworkManager brings up the
        restored profiles (by id: a foreign one moved back has its own), not the ones just
        removed."""
        if self.options.restart_cmd or profiles is None:
            return restarts
        return [["nmcli", "connection", "reload"]] + [
            ["nmcli", "connection", "up", "id", profile] for profile in restored_profiles(backup)
        ]

    def _restart_quietly(self, restarts: list[list[str]]) -> None:
        for argv in restarts:
            try:
                self._command(argv, "restarting the network again")
            except BootError as exc:
                self.say(f"warning: {exc.message}")

    def _server_answers(self) -> bool:
        """Ping until the server answers or ``--confirm-timeout`` passes, saying every 10 s how
        long is left (a person at the console sees the wait is bounded)."""
        deadline = time.monotonic() + self.options.confirm_timeout
        server = self._proxy(max(1.0, min(self.options.rpc_timeout, self.options.confirm_timeout)))
        next_word = time.monotonic() + 10
        while True:
            try:
                server.ping()
                return True
            except (
                OSError,
                xmlrpc.client.ProtocolError,
                xmlrpc.client.Fault,
                http.client.HTTPException,
                MalformedAnswer,
            ):
                if time.monotonic() >= deadline:
                    return False
                if time.monotonic() >= next_word:
                    left = deadline - time.monotonic()
                    self.say(f"      the server does not answer yet; rolling back in {left:.0f}s")
                    next_word += 10
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def _kernel_view(bond: kernel_state.KernelBond) -> dict:
    """A bond as the kernel has it, for the status report."""
    return {
        "name": bond.name,
        "mode": bond.mode or "",
        "slaves": len(bond.slaves),
        "slaves_up": sum(slave.mii_status == "up" for slave in bond.slaves),
        "active_slave": bond.active_slave or "",
        "aggregators": [slave.aggregator for slave in bond.slaves if slave.aggregator],
    }


@dataclass(frozen=True)
class Profiles:
    """What a keyfile section configures: its profiles' interfaces and MACs, the interfaces to
    bring up, in order (every interface that is no port, VLANs last: their parent comes up
    first; ports come up with their bond or bridge), and which of those brings up each interface
    (the top of its chain of controllers, else itself). Each profile's id is its interface."""

    interfaces: set[str]
    macs: set[str]
    up: list[str]
    brought_up_by: dict[str, str]


def _needing_up(profiles: Profiles, changed: set[str], nm_devices: str | None) -> list[str]:
    """The interfaces of ``profiles.up`` to bring up: one whose own or a slave's profile file
    changed, or with an interface NetworkManager does not have connected with its profile.
    Bringing up an unchanged, active profile again would only flap its link (the management
    NIC's DHCP lease, a bond's LACP) at every boot."""
    active = kernel_state.nm_devices(nm_devices) or {}
    needed = {
        profiles.brought_up_by[interface]
        for interface in profiles.interfaces
        if f"{interface}.nmconnection" in changed or active.get(interface) != ("connected", interface)
    }
    return [name for name in profiles.up if name in needed]


def _profiles(commands: list[AugeasCommand]) -> Profiles:
    """The profiles the (checked) commands write, from the network they describe: the top-level
    interfaces are brought up, each port comes up with the top of its chain (a slave with its
    bond, a bond with the bridge it is a port of)."""
    network = envelope.network_of(commands)

    def top(iface):
        while iface.controller and network.get(iface.controller):
            iface = network.get(iface.controller)
        return iface.name

    tops = [iface for iface in network.interfaces if iface.controller is None]
    return Profiles(
        {iface.name for iface in network.interfaces},
        {iface.mac for iface in network.interfaces if iface.mac},
        [iface.name for iface in sorted(tops, key=lambda iface: iface.kind == VLAN)],  # parents first
        {iface.name: top(iface) for iface in network.interfaces},
    )


def _tls_failure(url: str, exc: ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"the certificate of {url} cannot be verified ({exc.verify_message or exc.reason}): "
            "nothing changed; give the CA that signed it with --ca-file or ca-file= in node.conf"
        )
    return f"TLS with {url} failed ({exc.reason or exc}): nothing changed"


def _retry_after(exc: xmlrpc.client.ProtocolError) -> float:
    value = (exc.headers.get("Retry-After") if exc.headers else None) or ""
    return float(value) if value.isascii() and value.isdigit() else RETRY_MAX_DELAY_S


def _reason(exc: BaseException) -> str:
    if isinstance(exc, xmlrpc.client.ProtocolError):
        return f"HTTP {exc.errcode} {exc.errmsg}"
    return (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or type(exc).__name__
