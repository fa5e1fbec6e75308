"""The ``ovirt-node-admin`` subcommands of a node's network beyond its links: an interface's
gateway and default route, static routes, the resolver (``add_layer3``); logical networks
(``add_networks``); a resync after drift (``add_resync``); the network as an NMState state. Registered by
``commands.build_parser`` with its ``command`` helper; each names its verb and its arguments are
the verb's."""

from __future__ import annotations

from collections.abc import Callable

Command = Callable[..., object]  # commands.build_parser's command(name, help, verb, *arguments)


def add(command: Command, host: tuple, iface: tuple) -> None:
    """Every subcommand of this module."""
    add_layer3(command, host, iface)
    add_networks(command, host, iface)
    add_resync(command, host)
    words = "print the node's network as an NMState state (YAML; -o json: JSON)"
    state = command("network-state", words, "network_state", host, show="yaml")
    state.add_argument("--format", default="nmstate", choices=["nmstate"], help="nmstate (the only format)")


def add_layer3(command: Command, host: tuple, iface: tuple) -> None:
    gateway = command(
        "set-gateway",
        "set an interface's gateway and make it hold the default route of its family (IPv4 or IPv6)",
        "set_gateway",
        host,
        iface,
        ("gateway", {"metavar": "GATEWAY", "nargs": "?", "default": "",
                     "help": "its address (left out: none, e.g. DHCP's own)"}),
    )  # fmt: skip
    gateway.add_argument("--family", default="", choices=["ipv4", "ipv6"], help="needed without GATEWAY")
    gateway.add_argument(
        "--no-default-route",
        dest="default_route",
        action="store_false",
        help="the interface does not hold the default route (another may)",
    )
    route = command(
        "route-add",
        "route a destination prefix out of an interface",
        "add_route",
        host,
        iface,
        ("destination", {"metavar": "PREFIX", "help": "e.g. 198.51.100.0/24 or 2001:db8:2::/48"}),
    )
    route.add_argument(
        "--via", dest="next_hop", default="", metavar="NEXT_HOP", help="the router (left out: on the link)"
    )
    route.add_argument("--metric", type=int, metavar="N", help="the route's metric")
    route.add_argument(
        "--table", type=int, default=0, metavar="N", help="routing table (keyfiles only; 0: main)"
    )
    command(
        "route-delete",
        "remove a node's route to a destination prefix",
        "delete_route",
        host,
        ("destination", {"metavar": "PREFIX"}),
    ).add_argument("--table", type=int, default=0, metavar="N", help="the route's table (0: main)")
    command(
        "set-dns",
        "set a node's name servers (none given: none) and search domains",
        "set_dns",
        host,
        ("servers", {"metavar": "SERVER", "nargs": "*", "help": "IPv4 or IPv6 addresses, in order"}),
    ).add_argument(
        "--search", action="append", default=[], metavar="DOMAIN", help="a search domain; repeat for more"
    )


def add_resync(command: Command, host: tuple) -> None:
    command(
        "resync",
        "put a node's configuration back at its next live check (out of sync: its network changed by hand)",
        "resync",
        host,
    )


def add_networks(command: Command, host: tuple, iface: tuple) -> None:
    """The logical networks' subcommands."""
    name = ("name", {"metavar": "NETWORK", "help": "its name (a bridged network's bridge is named after it)"})
    command(
        "network-set",
        "define a logical network from a JSON file (create, or change it on every node it is attached to)",
        "set_network",
        name,
        ("settings", {"metavar": "FILE", "help": "JSON ('-': stdin); see docs/networks.md"}),
    )
    command("networks", "list the logical networks, with the nodes and addresses each has", "list_networks",
            show="networks")  # fmt: skip
    command("network-show", "show a logical network: settings, attachments, pools", "show_network", name,
            show="network")  # fmt: skip
    command("network-delete", "delete a logical network attached to no node", "delete_network", name)
    attach = command(
        "network-attach",
        "attach a logical network to a NIC or bond: its VLAN, bridge, addresses, gateways and routes",
        "attach_network",
        host,
        ("network", {"metavar": "NETWORK"}),
        iface,
    )
    attach.add_argument(
        "--ipv4", default="", metavar="HOW", help="pool, dhcp, none or an address (default: the pool if any)"
    )
    attach.add_argument(
        "--ipv6",
        default="",
        metavar="HOW",
        help="pool, dhcp, auto, none or an address (default: the pool if any)",
    )
    attach.add_argument(
        "--default-route", action="store_true", help="the node's default route goes through it"
    )
    command("network-detach", "detach a logical network: what it made goes, its addresses are freed",
            "detach_network", host, ("network", {"metavar": "NETWORK"}))  # fmt: skip
