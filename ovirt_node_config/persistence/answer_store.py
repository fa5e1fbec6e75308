"""Queries behind the answers kept for repeated boot calls (``sql/005_answer_cache.sql``).

An answer is served only while its host's ``config_version`` is the one it was computed at;
:func:`bump_versions` is how every change to a host's rows says so.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .engine import Database
from .tables import cached_answers, hosts

_REPLAY = (
    "SELECT a.method, h.hostname, a.answer FROM cached_answers a"
    " JOIN hosts h ON h.id = a.host_id AND h.config_version = a.version"
    " WHERE a.digest = ?"
)
_KEPT = select(cached_answers.c.digest, cached_answers.c.answer).where(
    (cached_answers.c.host_id == bindparam("host_id"))
    & (cached_answers.c.version == bindparam("version"))
    & (cached_answers.c.method == bindparam("method"))
)
_FORGET_OLDER = delete(cached_answers).where(
    (cached_answers.c.host_id == bindparam("host_id")) & (cached_answers.c.version < bindparam("version"))
)


def _upsert(dialect) -> object:
    """Keep an answer under its digest, replacing what was kept there (by any host, at any version)."""
    statement = dialect.insert(cached_answers)
    return statement.on_conflict_do_update(
        index_elements=[cached_answers.c.digest],
        set_={name: statement.excluded[name] for name in ("host_id", "version", "method", "answer")},
    )


# The same SQL on both databases; SQLAlchemy builds it through each dialect's own construct.
_KEEP = {"sqlite": _upsert(sqlite), "postgresql": _upsert(postgresql)}
_BUMP = (
    update(hosts)
    .where(hosts.c.id.in_(bindparam("host_ids", expanding=True)))
    .values(config_version=hosts.c.config_version + 1)
    .returning(hosts.c.id, hosts.c.config_version)
)


def replay(db: Database, digest: str) -> tuple[str, str, str] | None:
    """(method, host name, answer) kept for ``digest`` and still current, or None. The hot path
    of a boot storm, so one statement on the driver (see ``Database.lookup``)."""
    row = db.lookup(_REPLAY, (digest,))
    return tuple(row) if row else None


def kept(conn: Connection, host_id: int, version: int, method: str) -> list[tuple[str, str]]:
    """(digest, answer) of the host's ``method`` answers kept at ``version``."""
    return [
        tuple(row) for row in conn.execute(_KEPT, {"host_id": host_id, "version": version, "method": method})
    ]


def remember(
    conn: Connection,
    host_id: int,
    version: int,
    answers: list[tuple[str, str, str]],
    *,
    new_host: bool = False,
) -> None:
    """Keep each (digest, method, answer) for the host at ``version``; the host's answers of older
    versions go (they can never be served again), unless it is a ``new_host``, which has none."""
    if not answers:
        return
    if not new_host:
        conn.execute(_FORGET_OLDER, {"host_id": host_id, "version": version})
    conn.execute(
        _KEEP[conn.dialect.name],
        [
            {"digest": digest, "host_id": host_id, "version": version, "method": method, "answer": answer}
            for digest, method, answer in answers
        ],
    )


def bump_versions(conn: Connection, host_ids: list[int]) -> dict[int, int]:
    """The hosts' rows changed: no answer kept for them is current any more. Returns each
    host's new version."""
    return dict(conn.execute(_BUMP, {"host_ids": sorted(set(host_ids))}).all()) if host_ids else {}
