"""The arguments of the verb a subcommand calls, from its command line: each is the argument's
namesake on the command line unless the subcommand builds it (``VALUES``: a struct from several
flags, a template read from a file, "default" as nothing, 7d as a time). Decides nothing: a
value the server would refuse is sent as typed, for the server to name."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ovirt_node_config.admin_cli import flags, outcomes
from ovirt_node_config.admin_cli.outcomes import CommandError
from ovirt_node_config.network.bonding import OPTION_NAMES
from ovirt_node_config.verbs import table


def address_settings(args: argparse.Namespace) -> dict:
    given = (("ip_address", args.ip), ("netmask", args.netmask), ("broadcast", args.broadcast))
    return {"boot_protocol": args.boot, **{key: value for key, value in given if value}}


def bond_option_changes(args: argparse.Namespace) -> dict:
    changes = {name: getattr(args, name) for name in OPTION_NAMES if getattr(args, name) is not None}
    changes.update({name.replace("-", "_"): None for name in args.reset})
    return changes


def bridge_options(args: argparse.Namespace) -> dict:
    return {"stp": args.stp, **({"forward_delay": args.forward_delay} if args.forward_delay else {})}


# Verb arguments a subcommand builds instead of taking them as they were typed.
VALUES: dict[str, dict[str, object]] = {
    "set-address": {"settings": address_settings},
    "bridge-create": {"options": bridge_options},
    "set-mtu": {"mtu": lambda args: "" if args.mtu == "default" else number(args.mtu)},
    "bond-options": {"options": bond_option_changes},
    "set-network-stack": {"stack": lambda args: "" if args.stack == "reported" else args.stack},
    "history": {"since": lambda args: _since(args.since)},
    "template-plan": {"design": lambda args: _design(args.design)},
    "template-apply": {"design": lambda args: _design(args.design)},
    "template-set": {"document": lambda args: _design(args.design, stored=False)},
    "template-import": {"state": lambda args: _yaml_file(args.state)},
    "rule-set": {"settings": lambda args: _rule_settings(args)},
    "rollout-start": {"template_name": lambda args: args.template, "hosts": lambda args: args.selected},
    "route-add": {"metric": lambda args: "" if args.metric is None else args.metric},
    "network-set": {"settings": lambda args: _design(args.settings, stored=False)},
    "account-create": {"password": lambda args: new_password()},
    "passwd": {"old": lambda args: _current_password(), "new": lambda args: new_password()},
}

NEW_PASSWORD_ENV = "OVIRT_NODE_CONFIG_NEW_PASSWORD"  # noqa: S105 - the variable's name, not a password


def new_password() -> str:
    """A new password: ``$OVIRT_NODE_CONFIG_NEW_PASSWORD``, else asked twice at a terminal."""
    given = os.environ.get(NEW_PASSWORD_ENV)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise CommandError(f"no new password: set ${NEW_PASSWORD_ENV} or run at a terminal", outcomes.USAGE)
    first, second = getpass.getpass("New password: "), getpass.getpass("The same again: ")
    if first != second:
        raise CommandError("the two passwords differ; nothing changed", outcomes.USAGE)
    return first


def _current_password() -> str:
    """One's own password as it is now (``passwd`` proves it is oneself)."""
    given = os.environ.get(flags.PASSWORD_ENV)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise CommandError(
            f"no current password: set ${flags.PASSWORD_ENV} or run at a terminal", outcomes.USAGE
        )
    return getpass.getpass("Current password: ")


def call_arguments(args: argparse.Namespace) -> tuple:
    """The verb's arguments, in its order, from the command line."""
    built = VALUES.get(args.command, {})
    return tuple(
        built[arg.name](args) if arg.name in built else getattr(args, arg.name)
        for arg in table.verb(args.method).args
    )


def _rule_settings(args: argparse.Namespace) -> dict:
    match = {
        "hostname": args.hostname,
        "uuids": args.uuids,
        "macs": args.macs,
        "cpus_at_least": args.cpus_at_least,
        "memory_mb_at_least": args.memory_mb_at_least,
        "nics_at_least": args.nics_at_least,
        "nic_speed_at_least": args.nic_speed_at_least,
        "nic_vendor": args.nic_vendor,
        "nic_product": args.nic_product,
    }
    if args.nics_at_speed:
        speed, _, count = args.nics_at_speed.partition(":")
        match["nics_at_speed"] = {"speed": number(speed), "count": number(count)}
    settings = {"template": args.template, "priority": args.priority, "max_count": args.max_count}
    return {**settings, "match": {key: value for key, value in match.items() if value is not None}}


def _design(path: str, stored: bool = True) -> dict | str:
    """A template document from a JSON file ('-': standard input), read once per command; with
    ``stored``, a name that is no file is a stored template's."""
    if stored and path != "-" and not Path(path).exists():
        return path
    return _document(path, json.loads, "JSON")


def _yaml_file(path: str) -> object:
    """A YAML (or JSON) file's document ('-': standard input), read once per command."""
    import yaml  # only this command needs it

    return _document(path, yaml.safe_load, "YAML", yaml.YAMLError)


def _document(path: str, parse, kind: str, malformed: type[Exception] = ValueError) -> object:
    if path not in _DESIGNS:
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
            _DESIGNS[path] = parse(text)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}", outcomes.USAGE) from None
        except (ValueError, malformed) as exc:
            raise CommandError(f"{path} is not {kind}: {exc}", outcomes.USAGE) from None
    return _DESIGNS[path]


_DESIGNS: dict[str, object] = {}


AGO = {"m": "minutes", "h": "hours", "d": "days"}


def _since(text: str) -> str:
    """``7d`` as the ISO 8601 time seven days ago; anything else as given, for the server to read."""
    if len(text) > 1 and text[-1] in AGO and text[:-1].isascii() and text[:-1].isdigit():
        return (datetime.now(UTC) - timedelta(**{AGO[text[-1]]: int(text[:-1])})).isoformat(
            timespec="seconds"
        )
    return text


def number(text: str) -> int | str:
    """A whole number as a number; anything else as given, for the server to refuse by name."""
    return int(text) if text.isascii() and text.isdigit() else text
