"""``ovirt-node-admin``: administer nodes (bonding, trust) through the server's admin XML-RPC methods.

It decides nothing itself: every rule is the server's, and a refusal is printed as the one line
the server sent, ending in the exit code of its class (``admin_cli/outcomes.py``). What it prints
is ``admin_cli/output.py``'s; the sessions ``login`` keeps are ``admin_cli/session_file.py``'s;
the subcommands and their arguments are ``admin_cli/commands.py``'s, each calling a verb of
``verbs/table.py`` (``admin_cli/call_values.py``). This module runs one.
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import getpass
import http.client
import json
import os
import socket
import ssl
import sys
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ovirt_node_config.scripts import needs_extra

with needs_extra("ovirt-node-admin", "server"):
    from ovirt_node_config.admin_cli import bulk, outcomes, output, session_file
    from ovirt_node_config.admin_cli.call_values import call_arguments
    from ovirt_node_config.admin_cli.commands import SELECTED, build_parser, with_selected_placeholder
    from ovirt_node_config.admin_cli.flags import (
        DEFAULT_URL,
        PAGE,
        PASSWORD_ENV,
        PROG,
        URL_ENV,
        USER_ENV,
        default_config_path,
    )
    from ovirt_node_config.admin_cli.outcomes import CommandError
    from ovirt_node_config.rpc_client import is_server_url, sends_secrets_in_clear, server_proxy


@dataclass
class Connection:
    """Where to send calls and as whom: a password, or a session kept by ``login``."""

    url: str
    user: str | None
    password: str | None
    session: dict | None


def connection_settings(args: argparse.Namespace) -> Connection:
    config_path = Path(args.config) if args.config else default_config_path()
    config: dict[str, str] = {}
    if args.config or config_path.exists():
        parser = configparser.ConfigParser()
        try:
            with open(config_path, encoding="utf-8") as handle:
                parser.read_file(handle)
        except (OSError, configparser.Error) as exc:
            raise CommandError(f"cannot read config file {config_path}: {exc}", outcomes.USAGE) from None
        config = dict(parser["admin"]) if parser.has_section("admin") else {}
    url = args.url or os.environ.get(URL_ENV) or config.get("url") or DEFAULT_URL
    user = args.user or os.environ.get(USER_ENV) or config.get("user")
    password = os.environ.get(PASSWORD_ENV) or config.get("password")
    args.ca_file = args.ca_file or config.get("ca-file")
    if not is_server_url(url):
        raise CommandError(f"not a server URL: {url!r}", outcomes.USAGE)
    session = session_file.live(url) if args.command != "login" else None
    if session and (user in (None, session["user"])) and password is None:
        return Connection(url, session["user"], None, session)
    if args.command == "logout":
        raise CommandError(f"no session kept for {url}", outcomes.USAGE)
    if user and password is None:
        if not sys.stdin.isatty():
            raise CommandError(
                f"no password for {user}: set ${PASSWORD_ENV}, run interactively, or log in first",
                outcomes.USAGE,
            )
        password = getpass.getpass(f"Password for {user}: ")
    if args.command == "login" and not user:
        raise CommandError("login needs an administrator's name: give --user", outcomes.USAGE)
    return Connection(url, user, password, None)


def run(args: argparse.Namespace) -> object:
    connection = connection_settings(args)
    url, user = connection.url, connection.user
    if connection.password and sends_secrets_in_clear(url):
        print(
            f"{PROG}: warning: sending the password of {user} unencrypted to {urlsplit(url).netloc} "
            "(plain http to another host); use an https:// URL",
            file=sys.stderr,
        )
    token = connection.session["token"] if connection.session else None
    proxy = server_proxy(
        url,
        user=None if token else user,
        password=connection.password,
        timeout=args.timeout,
        ca_file=args.ca_file,
        bearer=lambda: token,
    )
    try:
        if args.method == "admin.start_rollout":
            args.selected = bulk.select(lambda: _every_node(proxy), args.hosts, args.hosts_file)
        if args.host_is_selected and args.method == "admin.plan_template":
            hosts = bulk.select(lambda: _every_node(proxy), args.hosts, args.hosts_file)
            return bulk.plan_template(proxy, hosts, call_arguments(args)[1])
        if args.host_is_selected:
            return _bulk(args, proxy, connection)
        if args.method == "admin.list_nodes":
            return _every_node(proxy, args.state, args.search, args.credential)
        if args.method == "admin.delete_node" and not args.yes:
            _confirm_deletion(proxy.admin.show_node(args.host))
        if getattr(args, "if_version", None) is not None:
            result = proxy.admin.if_unchanged(args.if_version, args.method, list(call_arguments(args)))
        else:
            result = getattr(proxy, args.method)(*call_arguments(args))
    except xmlrpc.client.Fault as fault:
        if fault.faultCode == 401 and token:
            session_file.forget(url)
        raise outcomes.from_status(fault.faultString.replace("\n", " "), fault.faultCode) from None
    except xmlrpc.client.ProtocolError as error:
        raise _http_refusal(error, url, user, token) from None
    except ssl.SSLError as exc:
        raise CommandError(
            f"cannot reach {urlsplit(url).netloc}: TLS: {exc.reason or exc}", outcomes.UNREACHABLE
        ) from None
    except (OSError, http.client.HTTPException) as exc:
        reason = (
            exc.strerror if isinstance(exc, OSError) and exc.strerror else (str(exc) or type(exc).__name__)
        )
        if isinstance(exc, socket.timeout):
            reason = "timed out"
        raise CommandError(f"cannot reach {url}: {reason}", outcomes.UNREACHABLE) from None
    if args.method == "admin.login":
        session_file.keep(url, result)
        return {
            "user": result["user"],
            "expires_at": result["expires_at"],
            "kept_in": str(session_file.path()),
        }
    if args.method == "admin.logout":
        session_file.forget(url)
    return result


def _for_host(args: argparse.Namespace, host: str) -> tuple:
    """The call's arguments with ``host`` where HOST would be (a selector's node)."""
    return call_arguments(argparse.Namespace(**{**vars(args), "host": host}))


def _bulk(args: argparse.Namespace, proxy, connection: Connection) -> dict:
    """The change over every selected node: plan, show, ask, apply, sum up (admin_cli/bulk.py).
    With a password, one session serves all the calls (one scrypt instead of one per call)."""
    temporary = None
    if connection.password:
        temporary = proxy.admin.login()["token"]
        proxy = server_proxy(
            connection.url, timeout=args.timeout, ca_file=args.ca_file, bearer=lambda: temporary
        )
    try:
        hosts = bulk.select(lambda: _every_node(proxy), args.hosts, args.hosts_file)
        params_of = lambda host: _for_host(args, host)  # noqa: E731
        planned = bulk.plan(proxy, args.method, params_of, hosts)
        if args.dry_run or not any(o.status == "would change" for o in planned):
            return bulk.summary(planned, applied=False)
        if args.output != "json":  # JSON: one document, the summary, at the end
            print(output.emit(bulk.summary(planned, applied=False), "bulk") + "\n")
        _confirm_bulk(sum(o.status == "would change" for o in planned), args)
        done, interrupted = bulk.apply(proxy, args.method, params_of, planned)
    finally:
        if temporary:
            with contextlib.suppress(xmlrpc.client.Error, OSError):
                proxy.admin.logout()
    result = bulk.summary(done, applied=True)
    args.exit_code = (
        outcomes.INTERRUPTED
        if interrupted
        else outcomes.REFUSED
        if result["counts"].get("failed")
        else outcomes.OK
    )
    return result


def _confirm_bulk(count: int, args: argparse.Namespace) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise CommandError(f"{count} nodes would change: give --yes to apply unattended", outcomes.USAGE)
    if input(f"Apply to these {count} nodes? [y/N] ").strip().lower() not in ("y", "yes"):
        raise CommandError("nothing changed", outcomes.USAGE)


def _confirm_deletion(node: dict) -> None:
    """What a deletion takes with it, and a question; without a terminal to ask on, --yes."""
    if not sys.stdin.isatty():
        raise CommandError(
            f"node-delete {node['hostname']} asks before it deletes: give --yes to run it unattended",
            outcomes.USAGE,
        )
    print(output.deletion_summary(node), file=sys.stderr)
    if input(f"Delete {node['hostname']} and all of the above? [y/N] ").strip().lower() not in ("y", "yes"):
        raise CommandError("nothing deleted", outcomes.USAGE)


def _http_refusal(error: xmlrpc.client.ProtocolError, url: str, user: str | None, token: str | None):
    """A refusal the server answered in HTTP (401, 429, ...), in words and with its exit code."""
    if error.errcode == 401:
        if token:
            session_file.forget(url)
            return outcomes.from_status(
                f"the session of {user} at {url} has expired or was ended: run '{PROG} login' again", 401
            )
        if user:
            return outcomes.from_status(f"login failed for {user}: wrong administrator name or password", 401)
        return outcomes.from_status("administrator credentials required: give --user, or log in", 401)
    if error.errcode == 429:
        wait = (error.headers or {}).get("Retry-After", "")
        when = f"try again in {wait} s" if wait.isdigit() else "try again later"
        return outcomes.from_status(f"too many failed logins from here or for {user}: {when}", 429)
    return outcomes.from_status(f"the server answered HTTP {error.errcode} {error.errmsg}", error.errcode)


def _every_node(proxy, state: str = "", search: str = "", credential: str = "") -> list[dict]:
    """Every node (in ``state``, named with ``search``, with a ``credential`` so, or all), a page
    at a time (the server bounds each answer), each page after the last host name of the one
    before, until a page comes back short."""
    nodes: list[dict] = []
    while True:
        page = proxy.admin.list_nodes(nodes[-1]["hostname"] if nodes else "", PAGE, state, search, credential)
        nodes += page
        if len(page) < PAGE:
            return nodes


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(with_selected_placeholder(sys.argv[1:] if argv is None else list(argv)))
    selector = getattr(args, "hosts", None) or getattr(args, "hosts_file", None)
    args.host_is_selected = getattr(args, "host", None) == SELECTED
    if hasattr(args, "host") and args.host_is_selected != bool(selector):
        parser.error("give HOST, or --hosts / --hosts-file instead of it, not both")
    try:
        result = run(args)
        show = "bulk" if args.host_is_selected and args.show != "template-plan" else args.show
        text = output.emit(result, show, args.output, args.columns, diffs=getattr(args, "diff", False))
    except CommandError as error:
        if args.output == "json":
            print(json.dumps(error.as_json(), indent=2))
        else:
            print(f"{PROG}: {error.message}", file=sys.stderr)
        return error.code
    except ValueError as error:  # a column the result does not have
        print(f"{PROG}: {error}", file=sys.stderr)
        return outcomes.USAGE
    except KeyboardInterrupt:
        return outcomes.INTERRUPTED
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return getattr(args, "exit_code", outcomes.OK)


if __name__ == "__main__":
    sys.exit(main())
