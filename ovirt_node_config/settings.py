"""Where the service keeps its data by default, and how a database URL is chosen.

One SQLAlchemy URL selects the database: the ``--database`` flag, else the environment variable
``OVIRT_NODE_CONFIG_DATABASE``, else an SQLite file at :func:`default_sqlite_path`.
"""

import os
from pathlib import Path

DATABASE_ENV = "OVIRT_NODE_CONFIG_DATABASE"
SQLITE_FILE_NAME = "inventory.sqlite3"


def default_sqlite_path() -> Path:
    """The embedded database file: in systemd's ``StateDirectory=`` when run as a service
    (``$STATE_DIRECTORY``), else system-wide for root, per user otherwise."""
    state = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    if state:
        return Path(state) / SQLITE_FILE_NAME
    if os.geteuid() == 0:
        return Path("/var/lib/ovirt-node-config") / SQLITE_FILE_NAME
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "ovirt-node-config" / SQLITE_FILE_NAME


def database_url(flag_value: str | None = None) -> str:
    """The database URL in force: flag, then environment, then the embedded default."""
    if flag_value:
        return flag_value
    from_env = os.environ.get(DATABASE_ENV)
    if from_env:
        return from_env
    return f"sqlite:///{default_sqlite_path()}"
