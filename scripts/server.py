"""``ovirt-node-config-server``: run the configuration server and manage its database."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import OperationalError

from ovirt_node_config import settings
from ovirt_node_config.persistence.engine import DatabaseURLError, open_engine
from ovirt_node_config.persistence.migrations import MigrationError, migrate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ovirt-node-config-server",
        description="The oVirt node configuration server.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    migrate_cmd = commands.add_parser(
        "migrate", help="apply pending database migrations and exit",
        description="Apply the pending SQL migrations of sql/ to the database, in order.",
    )
    _add_database_flag(migrate_cmd)
    migrate_cmd.set_defaults(handler=run_migrate)
    return parser


def _add_database_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database", metavar="URL",
        help=f"SQLAlchemy database URL (default: ${settings.DATABASE_ENV}, else "
        f"sqlite:///{settings.default_sqlite_path()})",
    )


def run_migrate(args: argparse.Namespace) -> int:
    url = settings.database_url(args.database)
    engine = open_engine(url, pool_size=1)
    try:
        applied = migrate(engine)
    finally:
        engine.dispose()
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print("database is up to date")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (MigrationError, DatabaseURLError) as exc:
        print(f"ovirt-node-config-server: {exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
        print(f"ovirt-node-config-server: cannot use the database: {reason}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
