"""The console and roles, over HTTP against a real server: a viewer signs in and reads, and a form
that changes a node is refused (403, the role needed named beside the form), recorded as a
refusal before anything runs, and changes nothing."""

from console_client import ConsoleClient
from support import add_admin, admin_proxy, make_report

from ovirt_node_config.accounts import refusals


def test_a_viewer_reads_and_is_refused_a_change(server, database_url, db, snapshot):
    admin_proxy(server, *add_admin(database_url)).admin.create_account("vera", "vera-password", "viewer")
    server.proxy().identify(make_report("hv1.example"))
    client = ConsoleClient(server.url)
    assert client.sign_in("vera", "vera-password").status == 303
    page = client.get("/ui/node/hv1.example")
    assert page.status == 200
    before = snapshot()
    refused = client.submit(page, "/bonding-type", type="Failover")
    assert refused.status == 403
    assert "admin.set_bonding_type needs the operator role; vera is a viewer" in refused.text
    assert snapshot() == before
    (row,) = refusals.recent(db, 1)
    assert (row["actor"], row["what"]) == ("vera", "admin.set_bonding_type")
