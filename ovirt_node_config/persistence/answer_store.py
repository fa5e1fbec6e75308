"""Queries behind the answers kept for repeated boot calls (``sql/005_answer_cache.sql``).

An answer is served only while its host's ``config_version`` is the one it was computed at;
:func:`bump_versions` is how every change to a host's rows says so.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.driver import Driver, in_list
from ovirt_node_config.persistence.engine import Database

# A row of method ALIAS names, as its answer, the digest of the answer a body gets (a get_config
# body -> its normalised question, whose answer is kept anew at every version); one of method
# CHECK_BODY holds what a report_check body says (status_store.check_replay weighs it anew each
# time). Both are facts of the body alone: never stale themselves, they go only with their host
# or past the bound on a host's answers (VERSIONLESS: kept at version 0).
ALIAS = "config_alias"
CHECK_BODY = "check_body"
VERSIONLESS = (ALIAS, CHECK_BODY)
_REPLAY = (
    "SELECT b.method, h.hostname, b.answer, h.credential_hash, h.credential_presented, b.host_id"
    " FROM cached_answers a"
    f" JOIN cached_answers b ON b.digest = CASE WHEN a.method = '{ALIAS}' THEN a.answer ELSE a.digest END"
    " JOIN hosts h ON h.id = b.host_id AND h.config_version = b.version"
    f" WHERE a.digest = ? AND a.method <> '{CHECK_BODY}'"
)
_KEPT = "SELECT digest, answer FROM cached_answers WHERE host_id = ? AND version = ? AND method = ?"
_FORGET_OLDER = "DELETE FROM cached_answers WHERE host_id = ? AND version < ? AND method NOT IN " + (
    "(" + ", ".join(f"'{method}'" for method in VERSIONLESS) + ")"
)
_COUNT = "SELECT COUNT(*) FROM cached_answers WHERE host_id = ? AND method = ?"
_FORGET_METHOD = "DELETE FROM cached_answers WHERE host_id = ? AND method = ?"
_KEPT_COLUMNS = ("digest", "host_id", "version", "method", "answer")
# Replaces what was kept under the same digest (by any host, at any version).
_REPLACE = "ON CONFLICT (digest) DO UPDATE SET " + ", ".join(
    f"{column} = excluded.{column}" for column in _KEPT_COLUMNS[1:]
)
_BUMP = "UPDATE hosts SET config_version = config_version + 1 WHERE id IN {ids} RETURNING id, config_version"


def replay(db: Database, digest: str) -> tuple[str, str, str, str | None, bool, int] | None:
    """(method, host name, answer, the host's credential hash, whether its node presented it
    yet, the host's id) kept for ``digest`` (or for what its ALIAS names) and still current, or
    None. The hot path of a boot storm, so one statement on the driver (``Database.lookup``)."""
    row = db.lookup(_REPLAY, (digest,))
    return tuple(row) if row else None


def kept(conn: Connection, host_id: int, version: int, method: str) -> list[tuple[str, str]]:
    """(digest, answer) of the host's ``method`` answers kept at ``version``."""
    return [tuple(row) for row in Driver(conn).execute(_KEPT, (host_id, version, method)).rows()]


def remember(
    conn: Connection,
    host_id: int,
    version: int,
    answers: list[tuple[str, str, str]],
    *,
    new_host: bool = False,
    most: int | None = None,
) -> None:
    """Keep each (digest, method, answer) for the host at ``version``; the host's answers of older
    versions go (they can never be served again; its VERSIONLESS rows stay), unless it is a
    ``new_host``, which has none.
    With ``most``: when the host has that many answers of the first answer's method kept
    already, they go first (a bound on what callers can make the server keep)."""
    if not answers:
        return
    db = Driver(conn)
    if not new_host:
        db.execute(_FORGET_OLDER, (host_id, version))
    if most is not None:
        _bound(db, host_id, answers[0][1], most)
    rows = [(digest, host_id, version, method, answer) for digest, method, answer in answers]
    db.insert("cached_answers", _KEPT_COLUMNS, rows, on_conflict=_REPLACE)


def keep_versionless(
    conn: Connection, host_id: int, digest: str, method: str, text: str, *, most: int
) -> None:
    """Keep ``text`` for the body whose digest is ``digest`` as a row of ``method``, one of
    VERSIONLESS (an ALIAS: ``text`` is the key whose answer answers it), at most ``most`` of
    them per host."""
    db = Driver(conn)
    _bound(db, host_id, method, most)
    db.insert("cached_answers", _KEPT_COLUMNS, [(digest, host_id, 0, method, text)], on_conflict=_REPLACE)


def _bound(db: Driver, host_id: int, method: str, most: int) -> None:
    """When the host has ``most`` answers of ``method`` kept, they go (a bound on what callers
    can make the server keep)."""
    ((count,),) = db.execute(_COUNT, (host_id, method)).rows()
    if count >= most:
        db.execute(_FORGET_METHOD, (host_id, method))


def bump_versions(conn: Connection, host_ids: list[int]) -> dict[int, int]:
    """The hosts' rows changed: no answer kept for them is current any more. Returns each
    host's new version."""
    if not host_ids:
        return {}
    ids = sorted(set(host_ids))
    return dict(Driver(conn).execute(_BUMP.format(ids=in_list(len(ids))), ids).rows())
