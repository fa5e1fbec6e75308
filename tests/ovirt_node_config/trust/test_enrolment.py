"""Enrolment against a real database (both dialects): what a held claim keeps."""

from sqlalchemy import select
from support import make_report

from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.nodes import reads
from ovirt_node_config.persistence.tables import node_claims
from ovirt_node_config.trust import enrolment, held_claims
from ovirt_node_config.trust.enrolment import Caller, Trust
from ovirt_node_config.trust.enrolment_rate import EnrolmentRate


def test_a_claim_keeps_the_report_small(db, engine):
    """Anyone may send a claim: 230 CPUs with 4 KiB of flags each are kept without the flags,
    and what is kept is enough to accept it (the node's next boot brings the flags)."""
    report = make_report("node1", macs=("52:54:00:00:0c:01",))
    report["cpus"] = [{"index": n, "vendor": "GenuineIntel", "flags": "f" * 4000} for n in range(230)]
    trust = Trust(db, "approve", EnrolmentRate(0, 0))
    answer = enrolment.identify(trust, parse_report(report), Caller("127.0.0.1"))
    with engine.connect() as conn:
        kept = conn.execute(select(node_claims.c.report)).scalar_one()
    assert len(kept) < 64_000 and "ffff" not in kept  # with the flags: 970,000
    held_claims.accept(trust, "alice", answer.claim_id)
    assert reads.show_node(db, "node1")["cpus"] == 230
