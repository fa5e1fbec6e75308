"""The console and a node's live network between boots, over HTTP against a real server: a node
whose check found differences is listed under "out of sync", its page lists them beside the
picture with when they were first seen and last checked, and its resync button hands the node's
next check the order to apply its configuration again (audited as through the API); a check's
warnings alone (a cable pulled) are shown, the node ok."""

import hashlib

import pytest
from console_client import ConsoleClient
from support import add_admin, make_report

from ovirt_node_config.nodes import reads

HOST = "hv7.rack3.example"
NAMES = {"52:54:00:30:00:01": "eth0", "52:54:00:30:00:02": "eth1"}
DRIFT = ["eth1: MTU is 1500, not 9000", "bond0: eth1 (52:54:00:30:00:02) is not a slave"]


@pytest.fixture
def drifted(server, database_url):
    """HOST booted, then checked and found two differences; a signed-in console client and the
    node's proxy and digest."""
    node = server.proxy()
    node.identify(make_report(HOST, macs=tuple(NAMES)))
    digest = hashlib.sha256(node.get_config(HOST, NAMES).encode()).hexdigest()
    node.report_status(HOST, {"outcome": "applied", "digest": digest})
    assert node.report_check(HOST, {"digest": digest, "differences": DRIFT})["state"] == "out of sync"
    client = ConsoleClient(server.url)
    assert client.sign_in(*add_admin(database_url)).status == 303
    return client, node, digest


def test_an_out_of_sync_node_is_filtered_shown_and_resynced(drifted, db):
    client, node, digest = drifted
    listed = client.get("/ui/?state=out+of+sync")
    assert [a.text for a in listed.doc.cssselect("table.nodes tbody th a")] == [HOST]
    page = client.get(f"/ui/node/{HOST}")
    assert page.doc.cssselect("h1 .state")[0].text == "out of sync"
    box = page.doc.cssselect("section[aria-labelledby=picture-h] div.problem")[0]
    assert [li.text for li in box.cssselect("li")] == DRIFT
    assert "First seen 20" in box.text_content() and "last checked 20" in box.text_content()
    asked = client.submit(page, "/resync")
    assert asked.status == 303, asked.text
    after = client.get(asked.location)
    done = after.doc.cssselect("p.done")[0].text
    assert done == "Done: resync asked: the node's next check applies its configuration again."
    assert not after.doc.cssselect("form[action$='/resync']")  # asked once is enough
    assert reads.history(db, HOST)[0]["action"] == "resync_requested"
    assert node.report_check(HOST, {"digest": digest, "differences": DRIFT})["resync"] is True
    node.report_check(HOST, {"digest": digest, "warnings": ["bond0: slave eth1 link down"]})
    warned = client.get(f"/ui/node/{HOST}")
    assert warned.doc.cssselect("h1 .state")[0].text == "ok"
    assert "warns: bond0: slave eth1 link down" in warned.doc.cssselect("section p.note[role=status]")[0].text
