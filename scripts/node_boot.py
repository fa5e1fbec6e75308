"""``ovirt-node-boot``: run on a node at boot to report its hardware and apply its network config.

Exit codes: 0 applied (or nothing to do), 1 unexpected failure, 2 usage error, 3 server not found
or not answering (nothing changed), 4 refused by the server or a configuration outside the grammar
(nothing changed), 5 modprobe/Augeas/restart failed (previous files restored), 6 the server was
lost after the network restart (previous files restored, network restarted again), 7 the server
holds this new node until an administrator accepts it (nothing changed), 8 the running network
is not what was written (a bond missing, a mode, option, slave or address that differs, a profile
NetworkManager did not activate: each named; previous files restored, network restarted again).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from ovirt_node_config import release
from ovirt_node_config.agent import live_check, node_stacks, owned_files
from ovirt_node_config.agent.boot import BootAgent
from ovirt_node_config.agent.boot_options import BootError, BootOptions, ExitCode
from ovirt_node_config.agent.hardware import IP_COMMAND
from ovirt_node_config.agent.kernel_routes import ROUTE_COMMANDS
from ovirt_node_config.rpc_client import is_server_url

PROG = "ovirt-node-boot"
log = logging.getLogger("ovirt-node-boot")


def build_parser() -> argparse.ArgumentParser:
    defaults = BootOptions()
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__.split("\n\n")[0].split(": ", 1)[1], epilog=__doc__.split("\n\n", 1)[1]
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {release()}")
    parser.add_argument(
        "--server", metavar="URL", help="the server (else node.conf, the kernel command line, DNS SRV)"
    )
    parser.add_argument(
        "--root", default="/", metavar="DIR", help="read and write the machine under DIR (default /)"
    )
    parser.add_argument(
        "--modprobe-cmd",
        default=defaults.modprobe_cmd,
        metavar="CMD",
        help=f"command that loads a module (default {defaults.modprobe_cmd})",
    )
    parser.add_argument(
        "--restart-cmd",
        metavar="CMD",
        help="command that restarts networking (default: by what the system has; for keyfiles "
        "nmcli connection reload, then nmcli connection up for each bond and NIC written)",
    )
    parser.add_argument(
        "--confirm-timeout",
        type=float,
        default=defaults.confirm_timeout,
        metavar="SECONDS",
        help="how long the server has to answer after the restart before rolling back (default 60)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=defaults.rpc_timeout,
        metavar="SECONDS",
        help="timeout of each call to the server (default 30)",
    )
    parser.add_argument(
        "--retry-for",
        type=float,
        metavar="SECONDS",
        default=defaults.retry_for,
        help="how long to keep trying a busy or silent server before giving up with exit 3 "
        f"(default {defaults.retry_for:g}; 0: one try)",
    )
    parser.add_argument(
        "--network-stack",
        choices=list(node_stacks.BY_NAME),
        help="the files that configure this node's network (default: detected; see the README)",
    )
    parser.add_argument(
        "--ca-file",
        metavar="FILE",
        help="CA certificate(s) to verify an https server with (else ca-file= in node.conf)",
    )
    parser.add_argument(
        "--require-tls",
        action="store_true",
        help="refuse a server reached over plain HTTP (also require-tls = yes in node.conf)",
    )
    parser.add_argument(
        "--verify-timeout",
        type=float,
        default=defaults.verify_timeout,
        metavar="SECONDS",
        help="how long the kernel and NetworkManager get to bring up what was written before the "
        f"running network is compared with it (default {defaults.verify_timeout:g})",
    )
    parser.add_argument(
        "--no-verify",
        action="store_true",
        help="do not compare the running network with the files after the restart (a scratch "
        "--root whose files no kernel applies)",
    )
    parser.add_argument(
        "--ip-cmd",
        metavar="CMD",
        help="command whose JSON lists the node's addresses (default: 'ip -d -j addr show' when --root "
        "is /; none under another root, whose addresses are not this host's)",
    )
    parser.add_argument("--lshw", action="store_true", help="also send `lshw -xml` output")
    parser.add_argument(
        "--restore-foreign",
        nargs="?",
        const="",
        metavar="TIME",
        help="list the profiles earlier boots set aside (without TIME), or put one boot's back; "
        "talks to no server",
    )
    parser.add_argument("--dry-run", action="store_true", help="print what would be done; change nothing")
    parser.add_argument(
        "--timings", action="store_true", help="at the end, say how long each step took (seconds)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="between boots: compare the live network with what the last boot applied, report it, "
        "change nothing (unless an administrator asked for a resync); the timer unit runs it",
    )
    return parser


def setup_logging() -> None:
    log.setLevel(logging.INFO)
    log.propagate = False
    log.addHandler(logging.NullHandler())  # messages for people go to stdout/stderr, not twice
    if os.path.exists("/dev/log"):
        # imported only with a syslog to write to: 6 ms, some 0.3 s in an emulated guest
        from logging.handlers import SysLogHandler

        try:
            handler = SysLogHandler(address="/dev/log")
            handler.setFormatter(logging.Formatter(f"{PROG}: %(message)s"))
            log.addHandler(handler)
        except OSError:
            pass


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    if args.confirm_timeout <= 0 or args.timeout <= 0 or args.retry_for < 0 or args.verify_timeout < 0:
        print(f"{PROG}: timeouts must be positive", file=sys.stderr)
        return ExitCode.USAGE

    def say(line: str) -> None:
        print(line, flush=True)
        log.info(line)

    if args.restore_foreign is not None:
        return restore_foreign(Path(args.root), args.restore_foreign, say)
    if args.server and not is_server_url(args.server):
        print(
            f"{PROG}: --server needs a URL such as http://HOST:8742/ or https://HOST/, not {args.server!r}",
            file=sys.stderr,
        )
        return ExitCode.USAGE

    options = BootOptions(
        root=Path(args.root),
        server=args.server,
        modprobe_cmd=args.modprobe_cmd,
        restart_cmd=args.restart_cmd,
        confirm_timeout=args.confirm_timeout,
        rpc_timeout=args.timeout,
        retry_for=args.retry_for,
        dry_run=args.dry_run,
        lshw_cmd="lshw -xml" if args.lshw else None,
        ip_cmd=args.ip_cmd
        if args.ip_cmd is not None
        else (IP_COMMAND if Path(args.root).resolve() == Path("/") else None),
        route_cmds=ROUTE_COMMANDS if Path(args.root).resolve() == Path("/") else None,
        network_stack=args.network_stack,
        ca_file=args.ca_file,
        require_tls=args.require_tls,
        verify=not args.no_verify,
        verify_timeout=args.verify_timeout,
    )
    agent = BootAgent(options, say)
    try:
        if args.check:
            return live_check.check(options, say, boot=lambda: BootAgent(options, say, resync=True).run())
        return agent.run()
    except BootError as error:
        print(f"{PROG}: {error.message}", file=sys.stderr)
        log.error(error.message)
        return error.code
    except Exception as exc:  # the last line of defence on a booting node: say it in one line
        log.exception("unexpected failure")
        print(f"{PROG}: unexpected failure: {type(exc).__name__}: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    finally:
        if args.timings and not args.check:
            say(f"timings: {agent.timings.words()}")


def restore_foreign(root: Path, entry: str, say) -> int:
    """``--restore-foreign``: list what earlier boots set aside, or put one boot's files back."""
    entries = owned_files.set_aside_entries(root)
    if not entry:
        for name, directory, files in entries:
            say(f"{name}  /{directory}: {', '.join(files)}")
        if not entries:
            say("nothing was set aside")
        return ExitCode.OK
    try:
        restored = owned_files.restore_set_aside(root, entry)
    except LookupError:
        known = ", ".join(name for name, _, _ in entries) or "none"
        print(f"{PROG}: nothing was set aside at {entry!r}; known: {known}", file=sys.stderr)
        return ExitCode.USAGE
    say(f"restored {', '.join(restored)}; reload NetworkManager (nmcli connection reload) to use them")
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
