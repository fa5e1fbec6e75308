"""``get_config``: the node's configuration file for the MAC -> interface name map it sees now,
for a caller that may read it (``trust.claims.check_config_access``), answered from what was
kept (``nodes.kept_answers``) while that still holds, else rendered (``nodes.network_view``)
and kept."""

from __future__ import annotations

from ovirt_node_config import validation
from ovirt_node_config.config_file import ifcfg_routes
from ovirt_node_config.errors import NotFound, Unauthorized
from ovirt_node_config.inventory import legacy
from ovirt_node_config.network import rules
from ovirt_node_config.nodes import kept_answers, network_view
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.trust import claims, credential_use
from ovirt_node_config.trust.credentials import matches
from ovirt_node_config.trust.enrolment import Trust


def answer(
    db: Database,
    hostname: object,
    macs: object,
    presented: str | None,
    stack: str | None = None,
    body: str | None = None,
) -> str:
    """The file, for a caller that presented the credential whose digest is ``presented``
    (``stack``: the files a caller insists on, whatever the node's stack; ``body``: the digest
    of the request body, kept as an alias of its question: ``rpc.answer_replay``). Nothing is
    kept for a map that names none of the host's NICs (it is refused as an unknown host)."""
    name = validation.hostname("hostname", hostname)
    mapping = network_view.parse_macs(macs)
    key = kept_answers.config_key(name, mapping, stack)
    kept = kept_answers.replay(db, key)
    asked = (body, key) if body else None
    if kept is not None and (kept.credential_hash is None or kept_answers.opens(db, kept, presented, asked)):
        return kept.answer
    config = network_view.config_file(
        db, name, mapping, stack, admit=lambda node: _admit(db, node, name, mapping, presented)
    )
    kept_answers.keep_config(db, key, config, body)
    return config.text


def _admit(db: Database, node, name: str, mapping: dict[str, str], presented: str | None):
    """``claims.check_config_access``, a credential never presented waived unless credentials
    are required; its first presentation noted (``trust.credential_use``)."""
    node = claims.check_config_access(node, name, mapping, presented, lambda: not credential_use.required(db))
    if not node.credential_presented and matches(node.credential_hash, presented):
        db.write(lambda conn: credential_use.note_presented(conn, node.id, False))
    return node


def for_legacy(trust: Trust, address: str, host: object, macs: str) -> str:
    """``GET /ovirt/managed_node/config`` of a 2008 appliance at ``address``: the same file, in
    ifcfg files whatever the node's stack (they run what they get). It holds no credential, so
    only an address associated with the host may ask (``Trust.speaks_for``); any other caller,
    and a host it cannot read, is answered as if the host were unknown (NotFound). A file that
    would write route files is refused (Conflict): the appliance's augtool cannot write them."""
    mapping = legacy.config_macs(macs)
    name = validation.hostname("host", host)
    try:
        if not trust.db.read(lambda conn: trust.speaks_for(conn, address, name)) and not trust.db.write(
            lambda conn: trust.associates(conn, address, name)
        ):
            raise NotFound(name)
        text = answer(trust.db, name, mapping, None, stack="ifcfg")
    except (NotFound, Unauthorized):
        raise claims.unknown_node(name) from None
    if ifcfg_routes.written_in(text):
        raise rules.refuse(
            "a 2008 appliance takes no static routes",
            f"{name} applies its files with the augtool binary, which has no lens for route files; "
            "delete its routes (gateways and DNS it takes)",
        )
    return text
