"""What ``ovirt-node-admin`` shares across its subcommands: its name, where it finds the server
and who is calling (defaults, environment, config file), and the flags several subcommands take
(output, the selection of many nodes, one flag per kernel bond option)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ovirt_node_config.admin_cli import output
from ovirt_node_config.network.bonding import CHOICES, OPTION_NAMES

PROG = "ovirt-node-admin"
DEFAULT_URL = "http://127.0.0.1:8742/"
URL_ENV, USER_ENV, PASSWORD_ENV = (
    "OVIRT_NODE_CONFIG_URL",
    "OVIRT_NODE_CONFIG_USER",
    "OVIRT_NODE_CONFIG_PASSWORD",
)
PAGE = 1000  # nodes asked for per admin.list_nodes call (the server's most)


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ovirt-node-config" / "ini"


def add_output_flags(parser: argparse.ArgumentParser, top: bool) -> None:
    """-o and -c, given before the subcommand or after it (after wins)."""
    default = (lambda value: value) if top else (lambda _value: argparse.SUPPRESS)
    parser.add_argument(
        "-o",
        "--output",
        choices=output.FORMATS,
        default=default("table"),
        help="table (default), json, or bare values for scripts",
    )
    parser.add_argument(
        "-c",
        "--column",
        dest="columns",
        action="append",
        default=default(None),
        metavar="KEY",
        help="show only this key of each record; repeatable, in order",
    )
    parser.add_argument(
        "--json", dest="output", action="store_const", const="json", default=default("table"), help="-o json"
    )


def add_selector_flags(sub: argparse.ArgumentParser, changes: bool = True) -> None:
    selector = sub.add_argument_group("many nodes at once (instead of HOST)")
    selector.add_argument("--hosts", metavar="GLOB", help="the nodes whose host names match, e.g. 'rack3-*'")
    selector.add_argument(
        "--hosts-file", metavar="FILE", help="the nodes named in FILE, one per line ('-': stdin)"
    )
    if not changes:
        return
    selector.add_argument(
        "--dry-run", action="store_true", help="show what each node would do; change nothing"
    )
    sub.add_argument(
        "--yes", action="store_true", help="do not ask before changing (needed without a terminal)"
    )


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
