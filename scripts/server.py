"""``ovirt-node-config-server``: run the configuration server and manage its database.

Settings come from, in rising order of precedence: built-in defaults, the ``[server]`` section of
an INI file given with ``--config``, the environment (``OVIRT_NODE_CONFIG_DATABASE``), and flags.
"""

from __future__ import annotations

import argparse
import configparser
import json
import logging
import logging.handlers
import sys
from dataclasses import fields, replace
from pathlib import Path

from ovirt_node_config.scripts import needs_extra

from ovirt_node_config import release

with needs_extra("ovirt-node-config-server", "server"):
    from ovirt_node_config.rpc import cpu_affinity, runtime
    from ovirt_node_config.rpc.host_names import ServerNames
    from ovirt_node_config.rpc.http_requests import trusted_networks
    from ovirt_node_config.rpc.server import ServerSettings
    from sqlalchemy.exc import OperationalError
    from tabulate import tabulate

    from ovirt_node_config import settings
    from ovirt_node_config.accounts import admins
    from ovirt_node_config.errors import InvalidInput
    from ovirt_node_config.persistence import upgrade_check
    from ovirt_node_config.persistence.backup import BackupRefused, backup_sqlite
    from ovirt_node_config.persistence.database_copy import CopyRefused, copy_database
    from ovirt_node_config.persistence.engine import Database, DatabaseURLError, open_engine
    from ovirt_node_config.persistence.migrations import MigrationError, migrate
    from ovirt_node_config.trust.enrolment import POLICIES


log = logging.getLogger("ovirt_node_config.server")
PROG = "ovirt-node-config-server"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


# Settings whose default is None but whose value is a number.
OPTIONAL_INTS = {"legacy_identify_port": int}


class UsageError(Exception):
    """A setting given to the command cannot be used."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="The oVirt node configuration server.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {release()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="serve nodes and administrators over XML-RPC",
        description="Serve XML-RPC (and the legacy config URL) until SIGTERM or SIGINT.",
    )
    defaults = ServerSettings()
    serve.add_argument("--config", metavar="FILE", help="INI file with a [server] section")
    serve.add_argument("--listen", metavar="ADDR", help=f"address to listen on (default {defaults.listen})")
    serve.add_argument(
        "--port", type=int, metavar="N", help=f"TCP port, 0 picks a free one (default {defaults.port})"
    )
    _add_database_flag(serve)
    serve.add_argument(
        "--max-body-bytes",
        type=int,
        metavar="N",
        help=f"largest request body accepted (default {defaults.max_body_bytes})",
    )
    serve.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help=f"worker threads per process, one per request being answered (default {defaults.workers})",
    )
    serve.add_argument(
        "--timeout",
        type=float,
        dest="timeout_s",
        metavar="SECONDS",
        help=f"how long an answer may make no progress being written (default {defaults.timeout_s:g})",
    )
    serve.add_argument(
        "--keepalive-timeout",
        type=float,
        dest="keepalive_timeout_s",
        metavar="SECONDS",
        help=f"idle time allowed between requests (default {defaults.keepalive_timeout_s:g})",
    )
    serve.add_argument(
        "--request-deadline",
        type=float,
        dest="request_deadline_s",
        metavar="SECONDS",
        help=f"time from a request's first byte to its last (default {defaults.request_deadline_s:g})",
    )
    serve.add_argument(
        "--max-connections",
        type=int,
        metavar="N",
        help=f"open connections per process, beyond: oldest idle closed (default {defaults.max_connections})",
    )
    serve.add_argument(
        "--processes",
        type=int,
        metavar="N",
        help="server processes sharing the port, one per core is a good start (default 1)",
    )
    serve.add_argument(
        "--cpu-affinity",
        choices=cpu_affinity.CHOICES,
        help="auto (the default): several processes each run on a CPU of their own; none: any CPU",
    )
    serve.add_argument(
        "--legacy-identify-port",
        type=int,
        metavar="N",
        help="also speak the 2008 appliances' host-browser identify protocol on this TCP port "
        "(12120 in 2008; off by default: the protocol has no authentication)",
    )
    serve.add_argument(
        "--legacy-identify-hosts",
        metavar="FILE",
        help="hosts(5)-format file naming 2008 nodes by address, tried before reverse DNS",
    )
    serve.add_argument(
        "--enrolment-policy",
        choices=POLICIES,
        help="a new node is enrolled at its first identify (open, the default) or waits for an "
        "administrator to accept it (approve)",
    )
    serve.add_argument(
        "--enrolment-rate",
        type=float,
        metavar="PER_SECOND",
        help=f"new nodes enrolled (or claims held) per second, overall, a minute's worth at once; "
        f"0: no limit (default {defaults.enrolment_rate:g})",
    )
    serve.add_argument(
        "--enrolment-rate-per-address",
        type=float,
        metavar="PER_SECOND",
        help=f"the same from one client address (default {defaults.enrolment_rate_per_address:g})",
    )
    serve.add_argument("--trusted-proxies", metavar="ADDRESSES", help="load balancers (addresses or "
                       "networks, comma-separated) whose X-Forwarded-For names the client")  # fmt: skip
    serve.add_argument("--server-names", metavar="NAMES", help="the names (or addresses) browsers, "
                       "balancers and scrapers reach this server by, beyond this machine's own "
                       "(comma-separated; '*': any). Other names are refused (DNS rebinding)")  # fmt: skip
    serve.add_argument("--tls-cert", metavar="FILE", help="PEM certificate (chain): serve HTTPS")
    serve.add_argument("--tls-key", metavar="FILE", help="PEM private key of --tls-cert")
    serve.add_argument(
        "--no-migrate",
        dest="migrate",
        action="store_false",
        default=None,
        help="do not apply pending migrations on start (refuse to start if any are pending)",
    )
    serve.add_argument(
        "--log-level",
        default=None,
        choices=LOG_LEVELS,
        help="logging threshold (default INFO)",
    )
    serve.set_defaults(handler=run_serve)

    add_admin = commands.add_parser(
        "add-admin",
        help="create an administrator or reset its password",
        description="Create an administrator account, or reset the password of an existing one.",
    )
    add_admin.add_argument("name", metavar="NAME")
    add_admin.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from the first line of standard input",
    )
    _add_database_flag(add_admin)
    add_admin.set_defaults(handler=run_add_admin)

    migrate_cmd = commands.add_parser(
        "migrate",
        help="apply pending database migrations and exit",
        description="Apply the pending SQL migrations of sql/ to the database, in order.",
    )
    _add_database_flag(migrate_cmd)
    migrate_cmd.set_defaults(handler=run_migrate)

    backup = commands.add_parser(
        "backup",
        help="copy the embedded SQLite database to FILE while the server runs",
        description="An online, consistent copy of the SQLite database (SQLite's backup API; a plain "
        "copy of a database in WAL mode may be torn). For PostgreSQL use pg_dump (docs/operations.md).",
    )
    backup.add_argument("file", metavar="FILE", help="where to write the copy (must not exist)")
    _add_database_flag(backup)
    backup.set_defaults(handler=run_backup)

    copy = commands.add_parser(
        "copy-database",
        help="copy every row of one database into another, empty one (SQLite <-> PostgreSQL)",
        description="Copy everything (ids kept, PostgreSQL identities set past them) from --from into "
        "the empty database --to, migrating it first; stop the server while it runs.",
    )
    copy.add_argument("--from", dest="source", required=True, metavar="URL", help="the database to copy")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="an empty database")
    copy.set_defaults(handler=run_copy_database)

    upgrade = commands.add_parser(
        "upgrade-check",
        help="say what upgrading the database to this release will change, and for whom (read-only)",
        description="Read the database (never write it) and list what `migrate` or `serve` of this release "
        "will change: migrations, nodes without a credential in use and their agents, 2008 appliances and "
        "the address they will be held to, settings, the SQLite file's mode (docs/operations.md).",
    )
    _add_database_flag(upgrade)
    upgrade.add_argument("--json", action="store_true", help="print the facts as JSON")
    upgrade.set_defaults(handler=run_upgrade_check)
    return parser


def _add_database_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        help=f"SQLAlchemy database URL (default: ${settings.DATABASE_ENV}, else "
        f"sqlite:///{settings.default_sqlite_path()})",
    )


def read_config(path: str | None) -> dict[str, str]:
    if not path:
        return {}
    parser = configparser.ConfigParser()
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, configparser.Error) as exc:
        raise UsageError(f"cannot read config file {path}: {exc}") from None
    return dict(parser["server"]) if parser.has_section("server") else {}


# Keys of the [server] section that are not ServerSettings fields.
OTHER_CONFIG_KEYS = ("database", "migrate", "log-level")


def server_settings(args: argparse.Namespace, config: dict[str, str]) -> ServerSettings:
    """Defaults, overridden by the config file, overridden by flags. A key of the config file
    that means nothing here is refused, naming it (a typo must not silently keep a default)."""
    known = {*OTHER_CONFIG_KEYS}
    for field in fields(ServerSettings):
        known |= {field.name, field.name.removesuffix("_s").replace("_", "-")}
    unknown = sorted(set(config) - known)
    if unknown:
        raise UsageError(f"unknown setting(s) in the config file's [server] section: {', '.join(unknown)}")
    result = ServerSettings()
    for field in fields(ServerSettings):
        flag_value = getattr(args, field.name, None)
        config_key = field.name.removesuffix("_s").replace("_", "-")
        raw = flag_value if flag_value is not None else config.get(config_key, config.get(field.name))
        if raw is None:
            continue
        default = getattr(result, field.name)
        kind = OPTIONAL_INTS.get(field.name) or (str if default is None else type(default))
        try:
            value = kind(raw)
        except ValueError:
            raise UsageError(f"{config_key} must be a {kind.__name__}, not {raw!r}") from None
        result = replace(result, **{field.name: value})
    for name, port in (("port", result.port), ("legacy-identify-port", result.legacy_identify_port)):
        if port is not None and not 0 <= port <= 65535:
            raise UsageError(f"{name} must be between 0 and 65535, not {port}")
    if (
        result.workers < 1
        or result.processes < 1
        or result.max_connections < 1
        or result.max_body_bytes < 1024
    ):
        raise UsageError("workers, processes and max-connections must be >= 1, max-body-bytes >= 1024")
    if min(result.timeout_s, result.keepalive_timeout_s, result.request_deadline_s) <= 0:
        raise UsageError("timeout, keepalive-timeout and request-deadline must be > 0")
    if bool(result.tls_cert) != bool(result.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    if min(result.enrolment_rate, result.enrolment_rate_per_address) < 0:
        raise UsageError("enrolment-rate and enrolment-rate-per-address must be >= 0")
    try:
        trusted_networks(result.trusted_proxies)
        ServerNames.from_setting(result.server_names, machine_names=())
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for name, choices in (("enrolment_policy", POLICIES), ("cpu_affinity", cpu_affinity.CHOICES)):
        if (value := getattr(result, name)) not in choices:
            raise UsageError(f"{name.replace('_', '-')} must be one of {', '.join(choices)}, not {value!r}")
    return result


def run_serve(args: argparse.Namespace) -> int:
    config = read_config(args.config)
    level = args.log_level or config.get("log-level", "INFO").upper()
    if level not in LOG_LEVELS:
        raise UsageError(f"log-level must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    should_migrate = args.migrate if args.migrate is not None else config.get("migrate", "yes") != "no"
    try:
        return runtime.serve(
            server_settings(args, config),
            settings.database_url(args.database or config.get("database")),
            level,
            migrate=should_migrate,
            migrate_hint=f"run '{PROG} migrate'",
        )
    except runtime.StartupError as exc:
        raise UsageError(str(exc)) from None


def run_add_admin(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\r\n")
    db = Database(settings.database_url(args.database), pool_size=1)
    try:
        migrate(db.engine)
        created = admins.set_admin(db, args.name, password)
    except InvalidInput as exc:
        raise UsageError(exc.message) from None
    finally:
        db.dispose()
    print(f"administrator {args.name} {'created' if created else 'password reset'}")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    engine = open_engine(settings.database_url(args.database), pool_size=1)
    try:
        applied = migrate(engine)
    finally:
        engine.dispose()
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print("database is up to date")
    return 0


def run_backup(args: argparse.Namespace) -> int:
    try:
        pages = backup_sqlite(settings.database_url(args.database), Path(args.file))
    except BackupRefused as exc:
        raise UsageError(str(exc)) from None
    print(f"backed up {pages} pages to {args.file}")
    return 0


def run_copy_database(args: argparse.Namespace) -> int:
    source = open_engine(settings.database_url(args.source), pool_size=1)
    target = open_engine(settings.database_url(args.target), pool_size=1)
    try:
        copied = copy_database(source, target)
    except CopyRefused as exc:
        raise UsageError(str(exc)) from None
    finally:
        source.dispose()
        target.dispose()
    print(tabulate(sorted(copied.items()), headers=["TABLE", "ROWS"]))
    print(f"copied {sum(copied.values())} rows")
    return 0


def run_upgrade_check(args: argparse.Namespace) -> int:
    try:
        found = upgrade_check.check(settings.database_url(args.database))
    except FileNotFoundError as missing:
        raise UsageError(str(missing)) from None
    words = f"this release: {release()}; {found.words()}"
    print(json.dumps(found.as_struct(), indent=2) if args.json else words)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (MigrationError, DatabaseURLError, UsageError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1 if not isinstance(exc, UsageError) else 2
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
        print(f"{PROG}: cannot use the database: {reason}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
