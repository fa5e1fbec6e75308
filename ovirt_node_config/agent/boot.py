"""The boot sequence of a node, with its safety net.

Steps: find the server; collect the hardware and tell which network stack the node has
(``node_stacks``); ``identify``; ``get_config`` with the node's MAC -> name map; check the
answer with the strict parsers (a pre-config script may only load the bonding module, the augtool
section may only rewrite ifcfg files or NetworkManager keyfiles); save it and its two sections
under ``/var/tmp``; load the bonding module; back up the files about to change (and move aside
the files of others the stack says would configure the same interfaces: for keyfiles, other
profiles); apply the augtool section with python-augeas; bring the network up the stack's way
(``node_stacks``: the network service for ifcfg files; for keyfiles ``network_manager``:
``nmcli connection reload``, then ``nmcli connection up`` for each bond and plain NIC that
changed); verify that the running network is
the one written (``verification``: the kernel's bonds, their modes, options and slaves, the
addresses, NetworkManager's active profiles), as nmstate does after every apply; and confirm
that the server still answers ``ping``. When Augeas or the restart fails, the kernel's network
differs from the files, or the server is lost after the restart, the previous files are restored
byte for byte and networking restarted again with them. Nothing is changed when the server cannot
be reached or its answer is refused.
"""

from __future__ import annotations

import hashlib
import http.client
import shlex
import ssl
import subprocess
import time
import xmlrpc.client
from collections.abc import Callable

from ovirt_node_config import release
from ovirt_node_config.agent import (
    answer_scope,
    desired_network,
    discovery,
    hardware,
    kernel_state,
    node_stacks,
    server_link,
    verification,
)
from ovirt_node_config.agent.augeas_apply import AugeasApplyError, apply_commands, touched_files
from ovirt_node_config.agent.boot_options import OUTCOMES, BootError, BootOptions, ExitCode
from ovirt_node_config.agent.network_files import Backup, replace_file
from ovirt_node_config.agent.owned_files import Manifest, keep_applied, set_aside
from ovirt_node_config.agent.server_link import ServerLink
from ovirt_node_config.agent.step_timings import StepTimings
from ovirt_node_config.config_file import envelope
from ovirt_node_config.config_file.grammar import AugeasCommand
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.rpc_client import MalformedAnswer

SAVED_CONFIG = "var/tmp/node-config"


class BootAgent:
    def __init__(
        self,
        options: BootOptions,
        say: Callable[[str], None],
        resolve_srv: discovery.SrvResolver | None = None,
        run_command: hardware.CommandRunner = hardware.run_command,
        *,
        resync: bool = False,
    ):
        """``resync``: an administrator asked to put the configuration back (``--check``): every
        profile is brought up again, unchanged files too (what drifted is the running network,
        not the files)."""
        self.resync = resync
        self.options = options
        self.say = say
        self.resolve_srv = resolve_srv
        self.run_command = run_command
        self.applied = False  # this boot wrote files
        self.bonds: list[str] = []  # the bonds its configuration defines
        self.seen: dict = {}  # what the verification saw: warnings, DHCP leases (report_status)
        self.timings = StepTimings()  # each step's seconds: --timings, and the status report
        self.root = options.root

    def run(self) -> ExitCode:
        options = self.options
        try:
            choice = discovery.find_server(self.root, options.server, self.resolve_srv)
        except discovery.ServerNotFound as exc:
            raise BootError(ExitCode.UNREACHABLE, str(exc)) from None
        self.say(f"[1/7] server {choice.url} (from {choice.source})")
        self.link = ServerLink(self.root, options, self.say, choice)
        self.credential = self.link.credential
        server = self.link.proxy(options.rpc_timeout)
        self.timings.mark("discover")

        report = hardware.collect(
            self.root, ip_command=options.ip_cmd, lshw_command=options.lshw_cmd, run=self.run_command
        )
        report["network_stack"] = options.network_stack or node_stacks.detect(self.root)
        report["agent_version"] = release()
        self.timings.mark("hardware")
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

        result = self.link.call(server.identify, report)
        self.timings.mark("identify")
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
        text = self.link.call(server.get_config, result["hostname"], macs)
        self.timings.mark("get_config")
        started = time.monotonic()
        try:
            code = self._configure(text, macs)
        except BootError as error:
            if error.code in OUTCOMES:
                self._report_status(result["hostname"], text, OUTCOMES[error.code], error.message, started)
            raise
        keep_applied(self.root, result["hostname"], text)
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
            f"{len(touched_files(commands))} {node_stacks.for_commands(commands).words}"
        )
        self.timings.mark("check")
        if mode is not None:
            self._command(shlex.split(options.modprobe_cmd) + ["bonding", f"mode={mode}"], "loading bonding")
            self.timings.mark("modprobe")
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
            "timings": {"configure": round(time.monotonic() - started, 3), **self.timings.steps},
            "bonds": [
                _kernel_view(found)
                for name in self.bonds
                if (found := kernel_state.bond(self.root, name, []))
            ],
            **self.seen,
        }
        try:
            answer = self.link.proxy(min(self.options.rpc_timeout, 10.0)).report_status(hostname, status)
            self.say(
                f"      reported {outcome.replace('_', ' ')}; the server has the node {answer.get('state')}"
            )
        except Exception as exc:  # noqa: BLE001 - a report is not worth failing a boot for
            why = server_link.reason_of(exc) if isinstance(exc, OSError) else exc
            self.say(f"      status not reported ({why})")

    def _apply(self, commands: list[AugeasCommand]) -> ExitCode:
        stack = node_stacks.for_commands(commands)
        files = stack.files
        written = touched_files(commands)
        manifest = Manifest.load(self.root)
        stale, changed_since = manifest.stale(self.root, files.directory, written)
        ours = [*written, *stale, *changed_since]  # a file of ours is never "foreign" too
        aside = stack.foreign_files(self.root / files.directory, ours, commands)
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
        self.timings.mark("write")
        restarts = self._restart_commands(commands, None if self.resync else backup.changed(), stale)

        def roll_back() -> None:
            backup.restore()
            again = restarts if self.options.restart_cmd else stack.rollback_activation(restarts, backup)
            self._restart_quietly(again)

        try:
            for restart in restarts:
                self._command(restart, "restarting the network")
        except BootError as exc:
            roll_back()
            raise BootError(ExitCode.APPLY_FAILED, f"{exc.message}; previous files restored") from None
        self.timings.mark("restart")
        differences = self._verify(commands)
        self.timings.mark("verify")
        if differences:
            roll_back()
            raise BootError(
                ExitCode.VERIFY_FAILED,
                "the running network is not what was written: "
                + "; ".join(differences)
                + "; previous files restored and the network restarted",
            )
        if self.link.answers():
            self.timings.mark("confirm")
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
            lambda: verification.read(
                self.root, desired, self.run_command, ip_command, self.options.route_cmds
            ),
            self.options.verify_timeout,
        )
        for warning in verdict.warnings:
            self.say(f"      warning: {warning}")
        self.seen = {"warnings": verdict.warnings[:64], "leases": verdict.leases}
        if not verdict.differences:
            bonds = ", ".join(
                f"{name} ({len(bond.slaves)} slaves)" for name, bond in sorted(desired.bonds.items())
            )
            others = len(desired.links) - len(desired.bonds)
            layer3 = f", {len(desired.routes)} routes" if desired.routes else ""
            layer3 += f", name servers on {desired.dns[0]}" if desired.dns else ""
            self.say(
                f"      verified: {bonds or 'no bonds'}, {others} other interfaces (MTU, bridges, VLANs, "
                f"IPv6), addresses of {len(desired.addresses)}{layer3}"
            )
        return verdict.differences

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
            raise BootError(ExitCode.REFUSED, server_link.tls_failure(self.link.url, exc)) from None
        except xmlrpc.client.ProtocolError as exc:
            if exc.errcode == 401:
                raise BootError(ExitCode.REFUSED, self.link.unauthorized(exc)) from None
            raise BootError(ExitCode.UNREACHABLE, server_link.silent(exc)) from None
        except (OSError, http.client.HTTPException) as exc:
            raise BootError(ExitCode.UNREACHABLE, server_link.silent(exc)) from None
        mode, commands, _ = self._check(text, {name: mac for mac, name in macs.items()})
        self.say(f"[4/7] would save the configuration to /{SAVED_CONFIG}")
        if mode is not None:
            self.say(f"[5/7] would run: {self.options.modprobe_cmd} bonding mode={mode}")
        for command in commands:
            self.say(f"[6/7] would {command.verb} {command.path or ''} {command.value or ''}".rstrip())
        for restart in self._restart_commands(commands):
            self.say(f"[7/7] would run: {shlex.join(restart)}")
        return ExitCode.OK

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
        self, commands: list[AugeasCommand], changed: set[str] | None = None, stale: list[str] = ()
    ) -> list[list[str]]:
        """``--restart-cmd``, else what the stack of the files brings the network up with
        (``node_stacks``; ``changed``: the file names whose content changed, None: all;
        ``stale``: files of an earlier boot this one removed)."""
        if self.options.restart_cmd:
            return [shlex.split(self.options.restart_cmd)]
        stack = node_stacks.for_commands(commands)
        return stack.activation(self.root, commands, changed, list(stale), self.run_command, self.say)

    def _restart_quietly(self, restarts: list[list[str]]) -> None:
        for argv in restarts:
            try:
                self._command(argv, "restarting the network again")
            except BootError as exc:
                self.say(f"warning: {exc.message}")


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
