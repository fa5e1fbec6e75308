"""Rolling a template out over enrolled nodes, in waves, driven by what the nodes report.

``start`` pins the template's document as it is then (editing the template later does not
reach the next wave), lines the nodes up (a node waits in one rollout at a time) and applies
the document to the first ``canary`` of them. Each node then reboots and reports its boot
(``report_status``); that report, in its own transaction, moves the rollout on: a good boot
(ok, or degraded: a cable, not the template) of the file the rollout gave it frees a place,
and the next nodes in line get the document, ``canary`` at a time until the canaries are all
good, then up to ``max_pending`` waiting for their reboot at once. A boot that rolled back or
failed verification stops the rollout by itself, with the node and its reason; an
administrator looks, then resumes or abandons it (abandoned, it lets go of the nodes it had not
reached). A node the template does not fit is skipped with the reason and the line goes on.
The changes are the administrators' use cases, audited as ``rollout:NAME``. Nothing runs in the
background: no report, no progress.
"""

from __future__ import annotations

import json

from sqlalchemy.engine import Connection

from ovirt_node_config import validation
from ovirt_node_config.errors import Conflict, InvalidInput, NodeConfigError, NotFound
from ovirt_node_config.fleet import applying, catalogue, template
from ovirt_node_config.nodes import lookup
from ovirt_node_config.persistence import audit_store, fleet_store, rollout_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.one_transaction import InTransaction

# A node's state after its boot report, as the rollout reads it.
GOOD = {"ok", "degraded"}
BAD = {"rolled back", "verify failed"}
MAX_NODES = 100_000


def start(
    db: Database,
    actor: str,
    name: object,
    template_name: object,
    hosts: object,
    canary: object,
    max_pending: object,
) -> dict:
    checked = catalogue.checked_name("name", name)
    first = validation.integer("canary", canary, minimum=0, maximum=MAX_NODES)
    window = validation.integer("max_pending", max_pending, minimum=1, maximum=MAX_NODES)
    if not isinstance(hosts, list) or not 1 <= len(hosts) <= MAX_NODES:
        raise InvalidInput("hosts", f"must be a list of 1 to {MAX_NODES} host names")

    def work(conn):
        if rollout_store.rollout(conn, checked) is not None:
            raise Conflict(f"rule 'a rollout's name is its own': a rollout named {checked} exists")
        template_id, document = catalogue.stored(conn, catalogue.checked_name("template", template_name))
        host_ids = list(dict.fromkeys(lookup.load(conn, host).id for host in hosts))
        held = rollout_store.held_elsewhere(conn, host_ids)
        if held:
            named = ", ".join(f"{host} (in {other})" for host, other in held[:10])
            raise Conflict(
                f"rule 'a node waits in one rollout at a time': {named}{' ...' if len(held) > 10 else ''}; "
                "abandon that rollout, or leave these nodes out"
            )
        rollout_store.create(conn, checked, template_id, document, first, window, host_ids)
        started = {"template": template_name, "nodes": len(host_ids), "canary": first, "max_pending": window}
        audit_store.record_audit(conn, actor, None, f"rollout {checked}", "start_rollout", None, started)
        _fill(db, conn, checked)
        return _shown(conn, checked)

    return db.write(work)


def boot_reported(db: Database, conn: Connection, hostname: str, state: str, current: bool) -> None:
    """In the transaction of ``hostname``'s boot report (``boot.report_status``), which left it
    in ``state`` (``current``: it runs the file it gets now, the one the rollout gave it): the
    rollouts it was pending in move on. A good boot counts only with the rollout's file: a node
    that reports an older one (a boot before the template reached it) stays pending."""
    for waiting in rollout_store.pending_for(conn, hostname):
        host_id = waiting["host_id"]
        if state in GOOD and current:
            rollout_store.set_node(conn, waiting["id"], host_id, "ok")
            _fill(db, conn, waiting["name"])
        elif state in BAD:
            rollout_store.set_node(conn, waiting["id"], host_id, "failed", state)
            if waiting["state"] == "running":
                rollout_store.set_state(conn, waiting["id"], "stopped", f"{hostname}: {state}")


def resume(db: Database, actor: str, name: object) -> dict:
    return _change_state(db, actor, name, "resume_rollout", ("stopped",), "running")


def abandon(db: Database, actor: str, name: object) -> dict:
    """Stop a rollout for good: nodes it changed keep their template (a pending one's report
    still counts); those it had not reached are let go (skipped), free for another rollout."""
    return _change_state(db, actor, name, "abandon_rollout", ("running", "stopped"), "abandoned")


def show(db: Database, name: object) -> dict:
    checked = catalogue.checked_name("name", name)
    return db.read(
        lambda conn: {**_shown(conn, checked), "nodes": rollout_store.nodes(conn, _load(conn, checked)["id"])}
    )


def list_rollouts(db: Database) -> list[dict]:
    return db.read(lambda conn: [_shown(conn, name) for name in rollout_store.names(conn)])


def node_counts(conn: Connection) -> list[tuple[str, str, int]]:
    """(rollout, status, nodes) of every rollout, for the metrics."""
    return rollout_store.all_counts(conn)


def _change_state(
    db: Database, actor: str, name: object, action: str, allowed: tuple[str, ...], to: str
) -> dict:
    checked = catalogue.checked_name("name", name)

    def work(conn):
        found = _load(conn, checked, lock=True)
        if found["state"] not in allowed:
            verb = action.split("_")[0]
            raise Conflict(f"rule 'a rollout moves forward': {checked} is {found['state']}; it cannot {verb}")
        rollout_store.set_state(conn, found["id"], to, None)
        audit_store.record_audit(conn, actor, None, f"rollout {checked}", action, found["state"], to)
        if to == "running":
            _fill(db, conn, checked)
        if to == "abandoned":
            rollout_store.let_go(conn, found["id"], "the rollout was abandoned")
        return _shown(conn, checked)

    return db.write(work)


def _load(conn: Connection, name: str, lock: bool = False) -> dict:
    found = rollout_store.rollout(conn, name, lock=lock)
    if found is None:
        raise NotFound(f"no rollout named {name!r}")
    return found


def _fill(db: Database, conn: Connection, name: str) -> None:
    """Give the template to the next nodes in line, as many as the wave allows now."""
    found = _load(conn, name, lock=True)
    if found["state"] != "running":
        return
    design = template.read(json.loads(found["document"]))
    actor = f"rollout:{name}"
    while True:
        counts = rollout_store.counts(conn, found["id"])
        in_canary = counts.get("ok", 0) < found["canary"]
        room = (found["canary"] - counts.get("ok", 0) if in_canary else found["max_pending"]) - counts.get(
            "pending", 0
        )
        chosen = rollout_store.next_waiting(conn, found["id"], max(room, 0))
        if not chosen:
            if not counts.get("waiting") and not counts.get("pending"):
                rollout_store.set_state(conn, found["id"], "done")
            return
        for host_id, hostname in chosen:
            savepoint = conn.begin_nested()
            try:
                applying.apply(InTransaction(db, conn), actor, hostname, design)
            except NodeConfigError as refused:
                savepoint.rollback()
                rollout_store.set_node(conn, found["id"], host_id, "skipped", refused.message[:1000])
                continue
            savepoint.commit()
            audit_store.record_audit(
                conn, actor, host_id, hostname, "template_applied", None, {"template": design.name}
            )
            fleet_store.hold(conn, host_id, found["template_id"], None)
            rollout_store.set_node(conn, found["id"], host_id, "pending")


def _shown(conn: Connection, name: str) -> dict:
    found = _load(conn, name)
    counts = rollout_store.counts(conn, found["id"])
    return {
        "name": name,
        "template": found["template"],
        "state": found["state"],
        "stopped_reason": found["stopped_reason"],
        "canary": found["canary"],
        "max_pending": found["max_pending"],
        "counts": {
            status: counts.get(status, 0) for status in ("waiting", "pending", "ok", "failed", "skipped")
        },
    }
