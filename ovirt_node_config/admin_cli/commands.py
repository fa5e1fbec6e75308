"""The ``ovirt-node-admin`` subcommands and their arguments (``build_parser``); a selector
standing for HOST (``with_selected_placeholder``). ``scripts/admin.py`` runs them.

Each subcommand names the verb it calls (``verbs/table.py``); the call's arguments are the
verb's, in the verb's order (``call_values``). Which subcommands may select many nodes
(``--hosts``) and which change nothing is the verb's to say. The flags several subcommands
share are ``flags``'s."""

from __future__ import annotations

import argparse

from ovirt_node_config import release, validation
from ovirt_node_config.admin_cli import (
    account_commands,
    flags,
    network_commands,
    outcomes,
    session_file,
    trust_commands,
)
from ovirt_node_config.nodes import state_names
from ovirt_node_config.verbs import table

# Commands that take --hosts / --hosts-file instead of HOST (filled by build_parser).
BULK_COMMANDS: set[str] = set()
SELECTED = "@selected"  # stands for HOST while a selector names the nodes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=flags.PROG,
        description="Administer oVirt nodes' networks through the configuration server.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes:\n" + outcomes.__doc__.split("\n\n", 1)[1]
        + f"\nThe password comes from ${flags.PASSWORD_ENV}, the config file or a prompt; after `login`, a "
        "session is used instead.",
    )  # fmt: skip
    parser.add_argument("--version", action="version", version=f"%(prog)s {release()}")
    parser.add_argument(
        "--url", help=f"server URL (default: ${flags.URL_ENV}, the config file, or {flags.DEFAULT_URL})"
    )
    parser.add_argument("--user", help=f"administrator name (default: ${flags.USER_ENV} or the config file)")
    flags.add_output_flags(parser, top=True)
    parser.add_argument(
        "--config",
        metavar="FILE",
        help=f"INI file with an [admin] section (default {flags.default_config_path()})",
    )
    parser.add_argument("--ca-file", metavar="FILE", help="CA certificate(s) to verify an https server with")
    parser.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS", help="network timeout (default 30)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")

    def command(name, help_text, verb_name, *arguments, show="record"):
        verb = table.verb(verb_name)
        sub = commands.add_parser(name, help=help_text, description=help_text)
        flags.add_output_flags(sub, top=False)
        for argument, kwargs in arguments:
            sub.add_argument(argument, **kwargs)
        sub.set_defaults(method=verb.method, show=show)
        if verb.names_a_node and verb.changes:
            flags.add_selector_flags(sub)
            sub.add_argument(
                "--if-version",
                type=int,
                metavar="N",
                help="change the node only if it is still at version N (as `show` printed it)",
            )
            BULK_COMMANDS.add(name)
        return sub

    command(
        "login",
        f"check the password once and keep a session for this server (12 hours) in {session_file.path()}",
        "login",
        show="session",
    )
    command("logout", "end the session kept for this server", "logout", show="session").add_argument(
        "--everywhere", action="store_true", help="end every session of this administrator"
    )
    host = ("host", {"metavar": "HOST", "help": "host name or SMBIOS UUID"})
    bond = ("bond", {"metavar": "IFACE", "help": "the bond's interface name, e.g. bond0"})
    nodes = command("nodes", "list the nodes, with their state and when they were last seen", "list_nodes",
                    show="nodes")  # fmt: skip
    nodes.add_argument("--state", default="", choices=state_names.STATES, help="only the nodes in this state")
    nodes.add_argument("--search", default="", metavar="TEXT", help="only the nodes whose name holds TEXT")
    nodes.add_argument(
        "--credential", default="", choices=("missing", "held"), help=trust_commands.CREDENTIAL_FILTER
    )
    command("show", "show one node: hardware, NICs, bonds", "show_node", host, show="node")
    command(
        "bonding-types",
        "list the bonding types and the bond options each accepts",
        "list_bonding_types",
        show="types",
    )
    command(
        "set-bonding-type",
        "set a node's bonding type (label or mode)",
        "set_bonding_type",
        host,
        ("bonding_type", {"metavar": "TYPE", "help": "e.g. 'Link Aggregation' or 4"}),
    )
    command(
        "set-network-stack",
        "choose the files that configure a node: ifcfg or keyfile (NetworkManager), "
        "or 'reported' to follow what the node says at boot",
        "set_network_stack",
        host,
        ("stack", {"metavar": "STACK", "choices": [*validation.NETWORK_STACKS, "reported"]}),
    )
    command(
        "bond-create",
        "create a bond over two or more of the node's NICs",
        "create_bonding",
        host,
        ("name", {"metavar": "NAME", "help": "display name"}),
        ("interface_name", {"metavar": "IFACE"}),
        (
            "macs",
            {"metavar": "NIC", "nargs": "+", "help": "the NICs to enslave (two or more), by name or MAC"},
        ),
    ).add_argument(
        "--type",
        dest="bonding_type",
        default="",
        metavar="TYPE",
        help="set the node's bonding type in the same change (a label, a mode number or a kernel name)",
    )
    command("bond-delete", "delete a bond (its NICs are released)", "delete_bonding", host, bond)
    command(
        "bond-enslave",
        "add NICs to a bond",
        "enslave",
        host,
        bond,
        ("macs", {"metavar": "NIC", "nargs": "+", "help": "NICs by name or MAC"}),
    )
    command(
        "bond-release",
        "take NICs out of a bond",
        "release",
        host,
        bond,
        ("macs", {"metavar": "NIC", "nargs": "+", "help": "NICs by name or MAC"}),
    )
    iface = ("interface", {"metavar": "IFACE", "help": "a bond, VLAN or bridge; a NIC by name or MAC"})
    address = command("set-address", "set how an interface gets its IPv4 address", "set_address", host, iface)
    address.add_argument("--boot", required=True, metavar="PROTOCOL", help="dhcp, static or none")
    address.add_argument("--ip", metavar="ADDRESS")
    address.add_argument("--netmask", metavar="MASK")
    address.add_argument("--broadcast", metavar="ADDRESS")
    command(
        "vlan-create",
        "create a VLAN on a NIC or a bond (named PARENT.ID unless --name)",
        "create_vlan",
        host,
        ("parent", {"metavar": "PARENT", "help": "a bond, or a NIC by name or MAC"}),
        ("vlan_id", {"metavar": "ID", "type": int, "help": "1-4094"}),
    ).add_argument("--name", default="", metavar="IFACE", help="the VLAN's interface name")
    command("vlan-delete", "delete a VLAN", "delete_vlan", host, ("name", {"metavar": "IFACE"}))
    bridge = command(
        "bridge-create",
        "create a bridge over NICs, bonds or VLANs (it takes over the first port's addressing)",
        "create_bridge",
        host,
        ("name", {"metavar": "NAME", "help": "e.g. ovirtmgmt"}),
        ("ports", {"metavar": "PORT", "nargs": "*", "help": "bonds, VLANs, NICs by name or MAC"}),
    )
    bridge.add_argument("--stp", action="store_true", help="run the spanning tree protocol (default off)")
    bridge.add_argument("--forward-delay", type=int, metavar="SECONDS", help="2-30")
    command("bridge-delete", "delete a bridge (its ports are released)", "delete_bridge", host,
            ("name", {"metavar": "NAME"}))  # fmt: skip
    command(
        "set-mtu",
        "set an interface's MTU ('default' returns to the kernel's)",
        "set_mtu",
        host,
        iface,
        ("mtu", {"metavar": "MTU", "help": "68-65535, or default"}),
    )
    command(
        "set-ipv6",
        "set an interface's IPv6: ignore, auto (SLAAC), dhcp, or ADDRESS/PREFIX",
        "set_ipv6",
        host,
        iface,
        ("settings", {"metavar": "SETTING"}),
    )
    network_commands.add(command, host, iface)
    account_commands.add(command)
    arp = command(
        "bond-arp",
        "set a bond's ARP monitoring (interval 0 turns it off)",
        "set_arp_monitor",
        host,
        bond,
    )
    arp.add_argument("--address", default="", metavar="IP", help="address to ARP-ping")
    arp.add_argument(
        "--interval",
        dest="interval_ms",
        required=True,
        type=int,
        metavar="MS",
        help="interval in milliseconds",
    )
    flags.add_bond_options(
        command(
            "bond-options",
            "set a bond's options, named like the kernel's (the server checks them against the node's mode)",
            "set_bond_options",
            host,
            bond,
        )
    )
    command("preview", "print the configuration the node would get now", "preview_config", host, show="text")
    design = (
        "design",
        {"metavar": "TEMPLATE", "help": "a stored template's name, or a JSON file ('-': stdin)"},
    )
    planning = command(
        "template-plan",
        "what a network template would make of a node (or --hosts): the file diff, or why it fails",
        "plan_template",
        host,
        design,
        show="template-plan",
    )
    flags.add_selector_flags(planning, changes=False)
    BULK_COMMANDS.add("template-plan")
    planning.add_argument("--diff", action="store_true", help="print each node's diff, not only its counts")
    command(
        "template-set",
        "store a network template (create or replace) from a JSON file",
        "set_template",
        ("name", {"metavar": "NAME"}),
        ("design", {"metavar": "FILE", "help": "JSON ('-': stdin)"}),
    )
    command(
        "template-import",
        "store a network template (create or replace) from an NMState desired state",
        "set_template_from_nmstate",
        ("name", {"metavar": "NAME"}),
        (
            "state",
            {
                "metavar": "FILE",
                "help": "NMState YAML or JSON, or a NodeNetworkConfigurationPolicy ('-': stdin)",
            },
        ),
        show="yaml",
    )
    command(
        "templates",
        "list the stored templates, with the rules naming them and the nodes holding them",
        "list_templates",
        show="templates",
    )
    command(
        "template-delete",
        "delete a stored template no rule names and no node holds",
        "delete_template",
        ("name", {"metavar": "NAME"}),
    )
    command(
        "template-detach",
        "a node no longer holds its template (its network stays)",
        "detach_template",
        host,
    )
    rule = command(
        "rule-set",
        "store a rule placing a template on new nodes that match (create or replace)",
        "set_rule",
        ("name", {"metavar": "NAME"}),
    )
    rule.add_argument("--template", required=True, metavar="NAME", help="the stored template it places")
    rule.add_argument(
        "--priority", type=int, default=100, metavar="N", help="lower is tried first (default 100)"
    )
    rule.add_argument("--max-count", type=int, metavar="N", help="place at most N nodes")
    rule.add_argument("--hostname", metavar="GLOB", help="host names matching, e.g. 'hv*.rack3'")
    rule.add_argument("--uuid", dest="uuids", action="append", metavar="UUID", help="repeatable")
    rule.add_argument("--mac", dest="macs", action="append", metavar="MAC", help="a NIC's MAC; repeatable")
    for condition, unit in (
        ("cpus-at-least", "N"),
        ("memory-mb-at-least", "MB"),
        ("nics-at-least", "N"),
        ("nic-speed-at-least", "MBPS"),
    ):
        rule.add_argument(f"--{condition}", type=int, metavar=unit)
    rule.add_argument("--nics-at-speed", metavar="MBPS:COUNT", help="at least COUNT NICs of at least MBPS")
    rule.add_argument("--nic-vendor", metavar="GLOB", help="some NIC's vendor, e.g. '*Mellanox*' (any case)")
    rule.add_argument("--nic-product", metavar="GLOB", help="some NIC's product name (any case)")
    command("rules", "list the rules in the order they are tried", "list_rules", show="rules")
    command(
        "rule-delete",
        "delete a rule (nodes it placed keep their template)",
        "delete_rule",
        ("name", {"metavar": "NAME"}),
    )
    started = command(
        "rollout-start",
        "roll a stored template out over nodes in waves: canaries first, then at most --max-pending "
        "waiting for their reboot; it stops by itself when a node rolls back",
        "start_rollout",
        ("name", {"metavar": "NAME"}),
        ("template", {"metavar": "TEMPLATE"}),
        show="rollout",
    )
    flags.add_selector_flags(started, changes=False)
    started.add_argument(
        "--canary", type=int, default=1, metavar="N", help="nodes that must boot well first (1)"
    )
    started.add_argument(
        "--max-pending", type=int, default=10, metavar="N", help="nodes waiting for their reboot at once (10)"
    )
    command("rollouts", "list the rollouts with their state and counts", "list_rollouts", show="rollouts")
    rollout_name = ("name", {"metavar": "NAME"})
    command("rollout-show", "a rollout: its state, why it stopped, each node", "show_rollout",
            rollout_name, show="rollout")  # fmt: skip
    command("rollout-resume", "go on with a stopped rollout", "resume_rollout", rollout_name, show="rollout")
    command("rollout-abandon", "stop a rollout for good (nodes changed keep it)", "abandon_rollout",
            rollout_name, show="rollout")  # fmt: skip
    command(
        "drifted",
        "nodes changed by hand since their template was applied",
        "list_drifted",
        show="drifted",
    )
    command(
        "template-apply",
        "make a node's network (or --hosts) what a network template says, in one transaction",
        "apply_template",
        host,
        design,
    )
    command("history", "list the changes made to a node, newest first", "history", host,
            show="history").add_argument(
        "--since",
        default="",
        metavar="WHEN",
        help="only changes since WHEN: an ISO 8601 date or time (UTC unless it says), or 30m, 12h, 7d ago",
    )  # fmt: skip
    command(
        "node-delete",
        "delete a node and everything about it (lists what goes, then asks)",
        "delete_node",
        host,
        show="deleted",
    )
    trust_commands.add(command, host)
    return parser


def with_selected_placeholder(argv: list[str]) -> list[str]:
    """``set-mtu --hosts 'rack3-*' eth0 9000``: the selector stands where HOST would; HOST's
    place is filled for argparse, and the command knows the nodes come from the selector."""
    if not any(arg.split("=", 1)[0] in ("--hosts", "--hosts-file") for arg in argv):
        return argv
    at = next((index for index, arg in enumerate(argv) if arg in BULK_COMMANDS), None)
    return argv if at is None else [*argv[: at + 1], SELECTED, *argv[at + 1 :]]
