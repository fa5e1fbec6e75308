"""Queries behind the answers kept for repeated boot calls (``sql/005_answer_cache.sql``).

An answer is served only while its host's ``config_version`` is the one it was computed at;
:func:`bump_versions` is how every change to a host's rows says so.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection

from .tables import cached_answers, hosts

_REPLAY = (
    select(cached_answers.c.method, hosts.c.hostname, cached_answers.c.answer)
    .select_from(
        cached_answers.join(
            hosts,
            (hosts.c.id == cached_answers.c.host_id) & (hosts.c.config_version == cached_answers.c.version),
        )
    )
    .where(cached_answers.c.digest == bindparam("digest"))
)
_KEPT = select(cached_answers.c.digest, cached_answers.c.answer).where(
    (cached_answers.c.host_id == bindparam("host_id"))
    & (cached_answers.c.version == bindparam("version"))
    & (cached_answers.c.method == bindparam("method"))
)
_FORGET = delete(cached_answers).where(
    (cached_answers.c.digest == bindparam("digest"))
    | ((cached_answers.c.host_id == bindparam("host_id")) & (cached_answers.c.version < bindparam("version")))
)
_BUMP = (
    update(hosts)
    .where(hosts.c.id.in_(bindparam("host_ids", expanding=True)))
    .values(config_version=hosts.c.config_version + 1)
    .returning(hosts.c.id, hosts.c.config_version)
)


def replay(conn: Connection, digest: str) -> tuple[str, str, str] | None:
    """(method, host name, answer) kept for ``digest`` and still current, or None."""
    row = conn.execute(_REPLAY, {"digest": digest}).first()
    return tuple(row) if row else None


def kept(conn: Connection, host_id: int, version: int, method: str) -> list[tuple[str, str]]:
    """(digest, answer) of the host's ``method`` answers kept at ``version``."""
    return [
        tuple(row) for row in conn.execute(_KEPT, {"host_id": host_id, "version": version, "method": method})
    ]


def remember(conn: Connection, digest: str, host_id: int, version: int, method: str, answer: str) -> None:
    """Keep ``answer`` for ``digest``; the host's answers of older versions go (they can never
    be served again)."""
    conn.execute(_FORGET, {"digest": digest, "host_id": host_id, "version": version})
    conn.execute(
        insert(cached_answers).values(
            digest=digest, host_id=host_id, version=version, method=method, answer=answer
        )
    )


def bump_versions(conn: Connection, host_ids: list[int]) -> dict[int, int]:
    """The hosts' rows changed: no answer kept for them is current any more. Returns each
    host's new version."""
    return dict(conn.execute(_BUMP, {"host_ids": sorted(set(host_ids))}).all()) if host_ids else {}
