"""``ovirt-node-admin``: administer nodes (bonding, trust) through the server's admin XML-RPC methods.

It decides nothing itself: every rule is the server's, and a refusal is printed as the one line
the server sent. Exit codes: 0 success, 1 refused by the server (or wrong credentials),
2 usage error, 3 server unreachable.
"""

from __future__ import annotations

import argparse
import configparser
import getpass
import http.client
import json
import os
import socket
import ssl
import sys
import xmlrpc.client
from pathlib import Path
from urllib.parse import urlsplit

from ovirt_node_config.scripts import needs_extra

from ovirt_node_config import __version__

with needs_extra("ovirt-node-admin", "server"):
    from tabulate import tabulate

    from ovirt_node_config.bonding import CHOICES, OPTION_NAMES
    from ovirt_node_config.rpc_client import is_server_url, sends_secrets_in_clear, server_proxy


PROG = "ovirt-node-admin"
DEFAULT_URL = "http://127.0.0.1:8742/"
URL_ENV, USER_ENV, PASSWORD_ENV = (
    "OVIRT_NODE_CONFIG_URL",
    "OVIRT_NODE_CONFIG_USER",
    "OVIRT_NODE_CONFIG_PASSWORD",
)
EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
PAGE = 1000  # nodes asked for per admin.list_nodes call (the server's most)


class CommandError(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ovirt-node-config" / "admin.ini"


# Subcommands: name -> (help, XML-RPC method, positional arguments, how to show the result).
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Administer oVirt nodes' bonding through the configuration server.",
        epilog=f"Exit codes: {EXIT_OK} ok, {EXIT_REFUSED} refused by the server, {EXIT_USAGE} usage error, "
        f"{EXIT_UNREACHABLE} server unreachable. The password comes from ${PASSWORD_ENV}, the config file, "
        "or a prompt.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--url", help=f"server URL (default: ${URL_ENV}, the config file, or {DEFAULT_URL})")
    parser.add_argument("--user", help=f"administrator name (default: ${USER_ENV} or the config file)")
    parser.add_argument("--json", action="store_true", help="print results as JSON for scripts")
    parser.add_argument(
        "--config", metavar="FILE", help=f"INI file with an [admin] section (default {default_config_path()})"
    )
    parser.add_argument("--ca-file", metavar="FILE", help="CA certificate(s) to verify an https server with")
    parser.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS", help="network timeout (default 30)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")

    def command(name, help_text, method, *arguments, show="record"):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        for argument, kwargs in arguments:
            sub.add_argument(argument, **kwargs)
        sub.set_defaults(method=method, show=show)
        return sub

    host = ("host", {"metavar": "HOST", "help": "host name or SMBIOS UUID"})
    bond = ("bond", {"metavar": "IFACE", "help": "the bond's interface name, e.g. bond0"})
    command("nodes", "list the nodes, with their state and when they were last seen", "admin.list_nodes",
            show="nodes").add_argument(
        "--state",
        default="",
        choices=["ok", "pending reboot", "degraded", "rolled back", "verify failed", "never applied"],
        help="only the nodes in this state",
    )  # fmt: skip
    command("show", "show one node: hardware, NICs, bonds", "admin.show_node", host, show="node")
    command(
        "bonding-types",
        "list the bonding types and the bond options each accepts",
        "admin.list_bonding_types",
        show="types",
    )
    command(
        "set-bonding-type",
        "set a node's bonding type (label or mode)",
        "admin.set_bonding_type",
        host,
        ("type", {"metavar": "TYPE", "help": "e.g. 'Link Aggregation' or 4"}),
    )
    command(
        "set-network-stack",
        "choose the files that configure a node: ifcfg or keyfile (NetworkManager), "
        "or 'reported' to follow what the node says at boot",
        "admin.set_network_stack",
        host,
        ("stack", {"metavar": "STACK", "choices": ["ifcfg", "keyfile", "reported"]}),
    )
    command(
        "bond-create",
        "create a bond over two or more of the node's NICs",
        "admin.create_bonding",
        host,
        ("name", {"metavar": "NAME", "help": "display name"}),
        ("iface", {"metavar": "IFACE"}),
        ("macs", {"metavar": "MAC", "nargs": "+", "help": "the NICs to enslave (two or more)"}),
    )
    command("bond-delete", "delete a bond (its NICs are released)", "admin.delete_bonding", host, bond)
    command(
        "bond-enslave",
        "add NICs to a bond",
        "admin.enslave",
        host,
        bond,
        ("macs", {"metavar": "MAC", "nargs": "+"}),
    )
    command(
        "bond-release",
        "take NICs out of a bond",
        "admin.release",
        host,
        bond,
        ("macs", {"metavar": "MAC", "nargs": "+"}),
    )
    iface = ("target", {"metavar": "IFACE", "help": "a bond, VLAN or bridge; a NIC by name or MAC"})
    address = command(
        "set-address", "set how an interface gets its IPv4 address", "admin.set_address", host, iface
    )
    address.add_argument("--boot", required=True, metavar="PROTOCOL", help="dhcp, static or none")
    address.add_argument("--ip", metavar="ADDRESS")
    address.add_argument("--netmask", metavar="MASK")
    address.add_argument("--broadcast", metavar="ADDRESS")
    command(
        "vlan-create",
        "create a VLAN on a NIC or a bond (named PARENT.ID unless --name)",
        "admin.create_vlan",
        host,
        ("parent", {"metavar": "PARENT", "help": "a bond, or a NIC by name or MAC"}),
        ("vlan_id", {"metavar": "ID", "type": int, "help": "1-4094"}),
    ).add_argument("--name", default="", metavar="IFACE", help="the VLAN's interface name")
    command("vlan-delete", "delete a VLAN", "admin.delete_vlan", host, ("name", {"metavar": "IFACE"}))
    bridge = command(
        "bridge-create",
        "create a bridge over NICs, bonds or VLANs (it takes over the first port's addressing)",
        "admin.create_bridge",
        host,
        ("name", {"metavar": "NAME", "help": "e.g. ovirtmgmt"}),
        ("ports", {"metavar": "PORT", "nargs": "*", "help": "bonds, VLANs, NICs by name or MAC"}),
    )
    bridge.add_argument("--stp", action="store_true", help="run the spanning tree protocol (default off)")
    bridge.add_argument("--forward-delay", type=int, metavar="SECONDS", help="2-30")
    command("bridge-delete", "delete a bridge (its ports are released)", "admin.delete_bridge", host,
            ("name", {"metavar": "NAME"}))  # fmt: skip
    command(
        "set-mtu",
        "set an interface's MTU ('default' returns to the kernel's)",
        "admin.set_mtu",
        host,
        iface,
        ("mtu", {"metavar": "MTU", "help": "68-65535, or default"}),
    )
    command(
        "set-ipv6",
        "set an interface's IPv6: ignore, auto (SLAAC), dhcp, or ADDRESS/PREFIX",
        "admin.set_ipv6",
        host,
        iface,
        ("ipv6", {"metavar": "SETTING"}),
    )
    arp = command(
        "bond-arp",
        "set a bond's ARP monitoring (interval 0 turns it off)",
        "admin.set_arp_monitor",
        host,
        bond,
    )
    arp.add_argument("--address", default="", metavar="IP", help="address to ARP-ping")
    arp.add_argument("--interval", required=True, type=int, metavar="MS", help="interval in milliseconds")
    add_bond_options(
        command(
            "bond-options",
            "set a bond's options, named like the kernel's (the server checks them against the node's mode)",
            "admin.set_bond_options",
            host,
            bond,
        )
    )
    command(
        "preview", "print the configuration the node would get now", "admin.preview_config", host, show="text"
    )
    command("history", "list the changes made to a node", "admin.history", host, show="history")
    command("node-delete", "delete a node and everything about it", "admin.delete_node", host)
    command(
        "node-reset-credential",
        "void a node's credential: its next boot enrols it anew (a reinstalled node)",
        "admin.reset_credential",
        host,
    )
    claim = ("claim", {"metavar": "CLAIM", "help": "a claim's number, or the host name it names"})
    command(
        "pending", "list new nodes waiting to be accepted", "admin.list_claims", show="claims"
    ).set_defaults(kind="enrolment")
    command(
        "claims",
        "list every claim held for an administrator (enrolments and conflicts)",
        "admin.list_claims",
        show="claims",
    ).set_defaults(kind="")
    command("claim-show", "show a claim beside the current state", "admin.show_claim", claim, show="claim")
    command("accept", "apply what a claim asked for (enrol a pending node)", "admin.accept_claim", claim)
    command("reject", "drop a claim; nothing changes", "admin.reject_claim", claim)
    address = ("address", {"metavar": "ADDRESS", "help": "the 2008 appliance's IP address"})
    command(
        "legacy-allow",
        "let the 2008 appliance at ADDRESS identify as HOST and fetch its config (no credential)",
        "admin.associate_legacy_address",
        ("host", {"metavar": "HOST", "help": "host name"}),
        address,
    )
    command(
        "legacy-forbid",
        "no host for the 2008 appliance at ADDRESS",
        "admin.associate_legacy_address",
        address,
    ).set_defaults(host="")
    command(
        "legacy-addresses",
        "list the addresses 2008 appliances may speak from (this list; the server's hosts file too)",
        "admin.list_legacy_addresses",
        show="legacy",
    )
    command(
        "register",
        "register nodes by SMBIOS UUID or MAC before they boot (the 'registered' enrolment policy)",
        "admin.register_nodes",
        ("values", {"metavar": "UUID_OR_MAC", "nargs": "+"}),
    )
    command(
        "unregister",
        "remove one registration",
        "admin.unregister_node",
        ("value", {"metavar": "UUID_OR_MAC"}),
    )
    command(
        "registrations",
        "list the registered UUIDs and MACs",
        "admin.list_registrations",
        show="registrations",
    )
    return parser


def add_bond_options(sub: argparse.ArgumentParser) -> None:
    """One flag per kernel option (``--lacp-rate`` for lacp_rate); an option not given is kept."""
    for name in OPTION_NAMES:
        flag = "--" + name.replace("_", "-")
        if name == "arp_ip_target":
            sub.add_argument(flag, action="append", metavar="IP", help="an ARP target; repeat for up to 16")
        elif name in CHOICES:
            sub.add_argument(flag, metavar="VALUE", help=" | ".join(CHOICES[name]))
        elif name == "primary":
            sub.add_argument(
                flag, metavar="IFACE", help="the slave to prefer, by the name the node last reported"
            )
        else:
            sub.add_argument(flag, metavar="MS", help="milliseconds")
    sub.add_argument(
        "--reset",
        action="append",
        default=[],
        metavar="OPTION",
        help="return an option to its default (e.g. --reset arp_interval --reset arp_ip_target); repeatable",
    )


def call_arguments(args: argparse.Namespace) -> tuple:
    if args.method == "admin.set_address":
        settings = {"boot_protocol": args.boot}
        settings.update(
            {
                key: value
                for key, value in (
                    ("ip_address", args.ip),
                    ("netmask", args.netmask),
                    ("broadcast", args.broadcast),
                )
                if value
            }
        )
        return (args.host, args.target, settings)
    if args.method == "admin.create_vlan":
        return (args.host, args.parent, args.vlan_id, args.name)
    if args.method == "admin.create_bridge":
        options = {"stp": args.stp, **({"forward_delay": args.forward_delay} if args.forward_delay else {})}
        return (args.host, args.name, args.ports, options)
    if args.method == "admin.set_mtu":
        return (args.host, args.target, "" if args.mtu == "default" else _number(args.mtu))
    if args.method == "admin.set_ipv6":
        return (args.host, args.target, args.ipv6)
    if args.method == "admin.set_arp_monitor":
        return (args.host, args.bond, args.address, args.interval)
    if args.method == "admin.set_bond_options":
        changes = {name: getattr(args, name) for name in OPTION_NAMES if getattr(args, name) is not None}
        changes.update({name.replace("-", "_"): None for name in args.reset})
        return (args.host, args.bond, changes)
    if args.method == "admin.set_network_stack":
        return (args.host, "" if args.stack == "reported" else args.stack)
    if args.method == "admin.list_claims":
        return (args.kind,)
    names = [
        name for name in ("host", "claim", "type", "name", "iface", "bond", "macs") if hasattr(args, name)
    ]
    return tuple(getattr(args, name) for name in names)


def _number(text: str) -> int | str:
    """A whole number as a number; anything else as given, for the server to refuse by name."""
    return int(text) if text.isascii() and text.isdigit() else text


def connection_settings(args: argparse.Namespace) -> tuple[str, str | None, str | None]:
    config_path = Path(args.config) if args.config else default_config_path()
    config: dict[str, str] = {}
    if args.config or config_path.exists():
        parser = configparser.ConfigParser()
        try:
            with open(config_path, encoding="utf-8") as handle:
                parser.read_file(handle)
        except (OSError, configparser.Error) as exc:
            raise CommandError(f"cannot read config file {config_path}: {exc}", EXIT_USAGE) from None
        config = dict(parser["admin"]) if parser.has_section("admin") else {}
    url = args.url or os.environ.get(URL_ENV) or config.get("url") or DEFAULT_URL
    user = args.user or os.environ.get(USER_ENV) or config.get("user")
    password = os.environ.get(PASSWORD_ENV) or config.get("password")
    args.ca_file = args.ca_file or config.get("ca-file")
    if not is_server_url(url):
        raise CommandError(f"not a server URL: {url!r}", EXIT_USAGE)
    if user and password is None:
        if not sys.stdin.isatty():
            raise CommandError(
                f"no password for {user}: set ${PASSWORD_ENV} or run interactively", EXIT_USAGE
            )
        password = getpass.getpass(f"Password for {user}: ")
    return url, user, password


def run(args: argparse.Namespace) -> object:
    url, user, password = connection_settings(args)
    if user and sends_secrets_in_clear(url):
        print(
            f"{PROG}: warning: sending the password of {user} unencrypted to {urlsplit(url).netloc} "
            "(plain http to another host); use an https:// URL",
            file=sys.stderr,
        )
    proxy = server_proxy(url, user=user, password=password, timeout=args.timeout, ca_file=args.ca_file)
    try:
        if args.method == "admin.list_nodes":
            return _every_node(proxy, args.state)
        return getattr(proxy, args.method)(*call_arguments(args))
    except xmlrpc.client.Fault as fault:
        raise CommandError(fault.faultString.replace("\n", " "), EXIT_REFUSED) from None
    except xmlrpc.client.ProtocolError as error:
        if error.errcode == 401:
            who = f"as {user}" if user else "without credentials (give --user)"
            raise CommandError(
                f"the server refused the request {who}: administrator credentials required", EXIT_REFUSED
            ) from None
        raise CommandError(f"the server answered HTTP {error.errcode} {error.errmsg}", EXIT_REFUSED) from None
    except ssl.SSLError as exc:
        raise CommandError(
            f"cannot reach {urlsplit(url).netloc}: TLS: {exc.reason or exc}", EXIT_UNREACHABLE
        ) from None
    except (OSError, http.client.HTTPException) as exc:
        reason = (
            exc.strerror if isinstance(exc, OSError) and exc.strerror else (str(exc) or type(exc).__name__)
        )
        if isinstance(exc, socket.timeout):
            reason = "timed out"
        raise CommandError(f"cannot reach {url}: {reason}", EXIT_UNREACHABLE) from None


def _every_node(proxy, state: str = "") -> list[dict]:
    """Every node (in ``state``, or all), a page at a time (the server bounds each answer), each
    page after the last host name of the one before, until a page comes back short."""
    nodes: list[dict] = []
    while True:
        page = proxy.admin.list_nodes(nodes[-1]["hostname"] if nodes else "", PAGE, state)
        nodes += page
        if len(page) < PAGE:
            return nodes


# Output ---------------------------------------------------------------------------------------


def render(result: object, show: str) -> str:
    if show == "text":
        return str(result).rstrip("\n")
    if show == "nodes":
        columns = [
            "hostname",
            "state",
            "last_seen",
            "uuid",
            "arch",
            "memory_mb",
            "label",
            "nic_count",
            "bond_count",
        ]
        headers = ["HOST", "STATE", "LAST SEEN", "UUID", "ARCH", "MEMORY MB", "BONDING TYPE", "NICS", "BONDS"]
        rows = [[row.get(c, "") for c in columns] for row in result]
        return tabulate(rows, headers=headers) if rows else "no nodes"
    if show == "types":
        rows = [[t["label"], t["mode"], t["kernel_name"], ", ".join(t["options"])] for t in result]
        return tabulate(rows, headers=["BONDING TYPE", "MODE", "KERNEL NAME", "BOND OPTIONS"])
    if show == "history":
        rows = [[e["at"], e["actor"], e["action"], e["before"], e["after"]] for e in result]
        return (
            tabulate(rows, headers=["WHEN", "WHO", "WHAT", "BEFORE", "AFTER"])
            if rows
            else "no changes recorded"
        )
    if show == "node":
        return _render_node(result)
    if show == "claims":
        columns = ["id", "kind", "hostname", "uuid", "address", "via", "at", "description"]
        rows = [[claim.get(c, "") for c in columns] for claim in result]
        headers = ["CLAIM", "KIND", "HOST", "UUID", "FROM", "PATH", "WHEN", "WHAT IT WOULD DO"]
        return tabulate(rows, headers=headers) if rows else "no claims"
    if show == "claim":
        return _render_claim(result)
    if show == "registrations":
        rows = [[entry["kind"], entry["value"]] for entry in result]
        return tabulate(rows, headers=["KIND", "VALUE"]) if rows else "no registrations"
    if show == "legacy":
        rows = [[entry["address"], entry["hostname"]] for entry in result]
        return tabulate(rows, headers=["ADDRESS", "HOST"]) if rows else "no addresses"
    if isinstance(result, dict):
        return tabulate([[key, _flat(value)] for key, value in result.items()], tablefmt="plain")
    return str(result)


def _render_claim(claim: dict) -> str:
    """The claim beside what is stored now."""
    claimed, current = claim["claimed"], claim["current"]
    head = (
        f"claim {claim['id']} ({claim['kind']}): {claim['description']}; "
        f"from {claim['address']} by {claim['via']} at {claim['at']}"
    )

    def nics(side: dict) -> str:
        return ", ".join(f"{nic['iface_name']} {nic['mac']}" for nic in side.get("nics", [])) or "-"

    rows = [
        ["host name", claimed["hostname"], current.get("hostname", "(not stored)")],
        ["UUID", claimed["uuid"] or "-", current.get("uuid") or "-"],
        ["NICs", nics(claimed), nics(current)],
    ]
    lines = [head, "", tabulate(rows, headers=["", "CLAIMED", "STORED NOW"])]
    others = claim.get("macs_of_other_hosts", [])
    if others:
        lines += ["", "MACs it names that other hosts hold:"]
        lines += [f"  {entry['mac']}  {entry['hostname']}" for entry in others]
    return "\n".join(lines)


def _flat(value: object) -> str:
    if isinstance(value, dict):  # bond options, as the kernel writes them
        return " ".join(
            f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items()
        )
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _stack(node: dict) -> str:
    """``keyfile (set by an administrator; the node reports ifcfg)``, ``ifcfg (reported)``, ..."""
    if node["network_stack_override"]:
        reported = node["reported_network_stack"] or "nothing"
        return f"{node['network_stack']} (set by an administrator; the node reports {reported})"
    if node["reported_network_stack"]:
        return f"{node['network_stack']} (reported by the node)"
    return f"{node['network_stack']} (the node does not say)"


def _render_node(node: dict) -> str:
    bonding_type = node["bonding_type"]
    summary = tabulate(
        [
            ["host", node["hostname"]],
            ["uuid", node["uuid"] or "-"],
            ["arch", node["arch"]],
            ["memory", f"{node['memory_mb']} MB"],
            ["cpus", node["cpus"]],
            [
                "bonding type",
                f"{bonding_type['label']} (mode {bonding_type['mode']})" if bonding_type else "-",
            ],
            ["network stack", _stack(node)],
            ["state", node.get("state_words", "-")],
            *_reported_bonds(node),
        ],
        tablefmt="plain",
    )
    nics = tabulate(
        [
            [
                n["mac"],
                n["iface_name"],
                n["bandwidth_mbps"] or "",
                n["boot_protocol"],
                n["ip_address"],
                n["link_state"] or "?",
                n["bond"],
            ]
            for n in node["nics"]
        ],
        headers=["MAC", "LAST NAME", "MBPS", "BOOT", "ADDRESS", "LINK", "BOND"],
    )
    bonds = tabulate(
        [
            [
                b["interface_name"],
                b["name"],
                ", ".join(b["slaves"]),
                b["boot_protocol"],
                b["ip_address"],
                b["bonding_opts"],
                "DEGRADED" if b["degraded"] else "ok",
            ]
            for b in node["bonds"]
        ],
        headers=["BOND", "NAME", "SLAVES", "BOOT", "ADDRESS", "BONDING_OPTS", "STATE"],
    )
    notes = [f"{b['interface_name']}: {note}" for b in node["bonds"] for note in b["notes"]]
    return "\n\n".join(
        [
            summary,
            "network:\n" + "\n".join(_tree(node)),
            nics,
            bonds if node["bonds"] else "no bonds",
            *(["\n".join(notes)] if notes else []),
        ]
    )


def _reported_bonds(node: dict) -> list[list[str]]:
    """What its last boot reported of each bond, as the kernel had it."""
    rows = []
    for bond in node.get("last_report", {}).get("bonds", []):
        active = f", active {bond['active_slave']}" if bond["active_slave"] else ""
        aggregators = f", aggregators {' '.join(bond['aggregators'])}" if bond["aggregators"] else ""
        rows.append(
            [
                f"reported {bond['name']}",
                f"{bond['mode']}, {bond['slaves_up']} of {bond['slaves']} slaves up{active}{aggregators}",
            ]
        )
    return rows


def _tree(node: dict) -> list[str]:
    """The node's interfaces from the top (bridges, VLANs, bonds) down to its NICs: each bridge
    over its ports, a VLAN over its parent, a bond over its slaves. An interface drawn once is
    named again further down, not drawn again."""
    nics = {nic["iface_name"]: nic for nic in node["nics"]}
    below: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for bridge in node.get("bridges", []):
        below[bridge["interface_name"]] = bridge["ports"]
        stp = "STP on" if bridge["stp"] else "STP off"
        labels[bridge["interface_name"]] = f"bridge, {stp}{_link_words(bridge)}"
    for vlan in node.get("vlans", []):
        below[vlan["interface_name"]] = [vlan["parent"]]
        labels[vlan["interface_name"]] = f"VLAN {vlan['vlan_id']}{_link_words(vlan)}"
    for bond in node["bonds"]:
        slaves = [nic["iface_name"] for nic in node["nics"] if nic["bond"] == bond["interface_name"]]
        below[bond["interface_name"]] = slaves
        state = ", DEGRADED" if bond["degraded"] else ""
        labels[bond["interface_name"]] = f"bond {bond['bonding_opts'] or '-'}{state}{_link_words(bond)}"
    for name, nic in nics.items():
        speed = f"{nic['bandwidth_mbps']} Mb/s" if nic["bandwidth_mbps"] else "speed unknown"
        reported = f", reports MTU {nic['reported_mtu']}" if nic.get("reported_mtu") else ""
        reported += f" (at most {nic['max_mtu']})" if reported and nic.get("max_mtu") else ""
        labels[name] = (
            f"NIC {nic['mac']}, link {nic['link_state'] or '?'}, {speed}{_link_words(nic)}{reported}"
        )
    lower = {name for names in below.values() for name in names}
    roots = [name for name in [*below, *nics] if name not in lower]
    lines: list[str] = []
    drawn: set[str] = set()

    def draw(name: str, prefix: str, branch: str, more: str) -> None:
        if name in drawn:
            lines.append(f"{prefix}{branch}{name} (above)")
            return
        drawn.add(name)
        lines.append(f"{prefix}{branch}{name}  {labels.get(name, '?')}")
        children = below.get(name, [])
        for index, child in enumerate(children):
            last = index == len(children) - 1
            draw(child, prefix + more, "└── " if last else "├── ", "    " if last else "│   ")

    for root in roots:
        draw(root, "", "", "")
    return lines


def _link_words(interface: dict) -> str:
    """``, MTU 9000, 10.0.0.5 static, 2001:db8::5/64``: what an interface carries, if anything."""
    words = []
    if interface.get("mtu"):
        words.append(f"MTU {interface['mtu']}")
    if interface.get("bridge") or interface.get("bond"):
        return "".join(f", {word}" for word in words)  # a port: no addressing of its own
    if interface.get("boot_protocol"):
        words.append(interface["ip_address"] or interface["boot_protocol"])
    if interface.get("ipv6_method") not in (None, "", "ignore"):
        words.append(interface["ipv6_address"] or f"IPv6 {interface['ipv6_method']}")
    return "".join(f", {word}" for word in words)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = run(args)
    except CommandError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        return 130
    try:
        print(json.dumps(result, indent=2, sort_keys=True) if args.json else render(result, args.show))
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
