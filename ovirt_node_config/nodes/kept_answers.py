"""Answers kept for repeated boot calls, so that an unchanged reboot costs one indexed read.

A node that reboots unchanged sends the ``identify`` body it sent last time, byte for byte, and
asks ``get_config`` for the same MAC map. The server keeps, for each, the answer it would give
now (``persistence/answer_store.py``), with the host's ``config_version`` at the time; every
change to a host's rows bumps that version, so a kept answer is served only while the host is
exactly as it was, and a stale one is never served.

Keys are SHA-256 digests over this release's code (:func:`code_fingerprint`: a different
release never serves another's answers) and either the whole ``identify`` request body or the
normalised ``get_config`` question (host name, MAC map sorted, and the stack a legacy caller
insists on). ``identify`` keeps, in the transaction that syncs the report, both its answer for a
repeat and the configuration for the MACs it reported, so that the boot's ``get_config`` that
follows is already answered. An administrator's change
(:func:`carry_forward`, in the change's own transaction) keeps them current: the configuration is
rendered anew, and a kept ``identify`` answer, which depends on the change only through the
node's degraded bonds, gets the new list; so an unchanged node that reboots after its bonds were
set up is still answered from what was kept. The first ``get_config`` answered for a question
keeps the digest of its request body as an alias of the question (:func:`alias`, no version of
its own): the node's next boot sends that body again and is answered before it is unmarshalled,
whatever versions the host went through meanwhile.
"""

from __future__ import annotations

import hashlib
import logging
import xmlrpc.client
from importlib import resources
from typing import NamedTuple

from sqlalchemy.engine import Connection

from ovirt_node_config.errors import NodeConfigError
from ovirt_node_config.inventory.report import HardwareReport
from ovirt_node_config.inventory.sync_plan import SyncResult
from ovirt_node_config.network import bonding
from ovirt_node_config.nodes import lookup, network_view
from ovirt_node_config.persistence import answer_store, inventory_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.node_rows import NodeView
from ovirt_node_config.trust import credential_use
from ovirt_node_config.trust.credentials import matches

log = logging.getLogger("ovirt_node_config.kept_answers")
# get_config answers kept per host (its node asks with one map; a few are renames in flight).
MAX_CONFIGS_PER_HOST = 8


def code_fingerprint() -> bytes:
    """SHA-256 over the installed package's Python and SQL files."""
    digest = hashlib.sha256()
    files = []
    stack = [resources.files("ovirt_node_config")]
    while stack:
        for entry in stack.pop().iterdir():
            if entry.is_dir():
                stack.append(entry)
            elif entry.name.endswith((".py", ".sql")):
                files.append(entry)
    for entry in sorted(files, key=str):
        digest.update(entry.name.encode() + b"\0" + entry.read_bytes() + b"\0")
    return digest.digest()


SALT = code_fingerprint()


def answer_text(value: object) -> str:
    """The XML-RPC answer body for ``value``, as the server sends it and as it is kept."""
    return xmlrpc.client.dumps((value,), methodresponse=True, allow_none=True)


def body_key(body: bytes) -> str:
    return hashlib.sha256(SALT + b"body\0" + body).hexdigest()


def config_key(hostname: str, macs: dict[str, str], stack: str | None = None) -> str:
    """The key of a ``get_config`` question (``stack``: the files the caller insists on)."""
    question = "\0".join([hostname, stack or "", *(f"{mac}={name}" for mac, name in sorted(macs.items()))])
    return hashlib.sha256(SALT + b"get_config\0" + question.encode()).hexdigest()


class Kept(NamedTuple):
    """An answer kept for a repeated boot call, and what serving it needs to know of its host."""

    method: str
    hostname: str
    answer: str
    credential_hash: str | None
    presented: bool  # has the host's node presented its credential yet (trust.credential_use)?
    host_id: int


def replay(db: Database, key: str) -> Kept | None:
    """What was kept for ``key`` and is still current, or None; None too when what was kept
    cannot be read (the normal way will meet the same trouble and answer for it)."""
    try:
        found = answer_store.replay(db, key)
    except Exception:
        log.debug("kept answers unavailable", exc_info=True)
        return None
    return None if found is None else Kept(*found)


def opens(db: Database, kept: Kept, presented: str | None, asked: tuple[str, str] | None = None) -> bool:
    """Does the credential whose digest is ``presented`` open ``kept``'s host (which holds one)?
    Its first presentation is noted here (``trust.credential_use``): one write, once per host.
    ``asked``: (the digest of a ``get_config`` request body, the key of the question it asks),
    kept in the same write as an alias (:func:`alias`), so that the same body is answered next
    time before it is unmarshalled."""
    if not matches(kept.credential_hash, presented):
        return False
    if not kept.presented or asked:

        def note(conn: Connection) -> None:
            if not kept.presented:
                credential_use.note_presented(conn, kept.host_id, False)
            if asked:
                alias(conn, kept.host_id, *asked)

        db.write(note)
    return True


def keep_config(db: Database, key: str, config: network_view.ConfigFile, body: str | None = None) -> None:
    """Keep ``config``, the answer to the ``get_config`` question ``key``, for the node's next
    boot (at most MAX_CONFIGS_PER_HOST maps per host), and ``body`` (the digest of the request
    that asked it) as its alias; a cache that cannot be written costs the next boot a miss, no
    more."""

    def keep(conn: Connection) -> None:
        answer_store.remember(
            conn,
            config.host_id,
            config.version,
            [(key, "get_config", config.text)],
            most=MAX_CONFIGS_PER_HOST,
        )
        if body:
            alias(conn, config.host_id, body, key)

    _quietly(db, keep)


def alias(conn: Connection, host_id: int, body: str, question: str) -> None:
    """Keep that the ``get_config`` request body whose digest is ``body`` asks ``question`` (a
    fact of the body alone: it holds across the host's versions, at each of which the answer to
    the question is kept anew)."""
    answer_store.keep_versionless(
        conn, host_id, body, answer_store.ALIAS, question, most=MAX_CONFIGS_PER_HOST
    )


def keeper(report: HardwareReport, body_digest: str | None):
    """What ``identify`` keeps, in its transaction, for the node's next calls: the answer a
    repeat of the same body gets, and the configuration for the MACs the node reported (its
    next call)."""

    def keep(conn: Connection, result: SyncResult, created: NodeView | None) -> None:
        kept = []
        if body_digest:
            kept.append((body_digest, "identify", answer_text(result.repeated().as_struct())))
        macs = {nic.mac: nic.iface_name for nic in report.nics}
        if macs and len(macs) == len(report.nics):  # shared MACs: the node's map is not known
            kept += _config_answer(created or lookup.load(conn, report.hostname), macs)
        answer_store.remember(conn, result.host_id, result.version, kept, new_host=created is not None)

    return keep


def carry_forward(
    conn: Connection,
    node: NodeView,
    version: int,
    identify_holds: bool,
    changed: NodeView,
    config: str | None,
) -> None:
    """After an administrator changed ``node`` (as loaded before the change, now at ``version``;
    ``changed``: as the change left it), in the change's transaction: keep ``config``, the file its
    next boot asks for with the names it last reported (None: it cannot be configured), and, when
    the change left every column ``identify`` compares alone (``identify_holds``), the answers
    kept for its identify bodies with the new degraded bonds."""
    kept = []
    identified = answer_store.kept(conn, node.id, node.version, "identify") if identify_holds else []
    if identified:
        degraded = inventory_store.degraded_bonds(conn, node.id, bonding.MIN_SLAVES)
        for digest, answer in identified:
            (struct,), _ = xmlrpc.client.loads(answer)
            struct["degraded_bonds"] = degraded
            kept.append((digest, "identify", answer_text(struct)))
    if config is not None:
        kept.append(
            (config_key(changed.hostname, network_view.reported_names(changed)), "get_config", config)
        )
    answer_store.remember(conn, node.id, version, kept)


def _config_answer(node: NodeView, macs: dict[str, str]) -> list[tuple[str, str, str]]:
    """What is kept for ``get_config`` of ``node`` with ``macs``; nothing when the node cannot be
    configured (its get_config will say why, to the node)."""
    try:
        text = network_view.render_or_none(node, network_view.network_for(node, macs))
    except NodeConfigError:
        return []
    return [] if text is None else [(config_key(node.hostname, macs), "get_config", text)]


def _quietly(db: Database, work) -> None:
    try:
        db.write(work)
    except Exception:  # a cache that cannot be written costs the next boot a miss, no more
        log.warning("could not keep an answer for the next boot", exc_info=True)
