"""GET /metrics and GET /health through a real server of two processes, as Prometheus and a load
balancer would call them: the counts are the whole server's, whichever process answers."""

import re
import xmlrpc.client
from urllib.parse import urlsplit, urlunsplit

import pytest
from ovirt_node_config.rpc.metrics import outcome_of
from prometheus_client.parser import text_string_to_metric_families
from support import RunningServer, TcpProxy, add_admin, add_bond, admin_proxy, http_get, make_report

M = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]


def samples(server, account: tuple[str, str] | None = None) -> dict:
    """Every sample of a scrape (``account``: with HTTP Basic): (name, sorted labels) -> value."""
    status, content_type, text = http_get(server, "/metrics", account)
    assert status == 200 and content_type.startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def call(server, method, *params):
    """On a new connection each time, so that either process may answer, with the node's
    credential once it has one."""
    return getattr(server.proxy(), method)(*params)


@pytest.fixture
def two_processes(database_url, tmp_path):
    server = RunningServer(database_url, tmp_path / "server.log", ("--processes", "2"))
    yield server
    server.stop()


def requests(scrape, method, outcome) -> float:
    return scrape.get(("ovirt_node_config_requests_total", (("method", method), ("outcome", outcome))), 0)


def test_requests_and_the_inventory_are_counted_across_processes(two_processes, db):
    server = two_processes
    viewer = add_admin(server.database_url)
    report = make_report(macs=M)
    for _ in range(3):
        call(server, "identify", report)  # the first syncs, the next two are kept answers
    for _ in range(4):  # the first answered by its question, the next three by its body: kept
        call(server, "get_config", "node1", {M[0]: "eth0"})
    with pytest.raises(xmlrpc.client.Fault):
        call(server, "get_config", "nobody", {M[0]: "eth0"})
    with pytest.raises(xmlrpc.client.Fault):
        call(server, "no_such_method\nforged")
    add_bond(db, "node1", "bond0", [M[0], M[1]])
    call(server, "identify", make_report(hostname="node2", macs=("52:54:00:00:00:09",)))
    call(server, "identify", make_report(macs=(M[0], M[2])))  # a slave's NIC is gone: degraded
    # node1 holds a credential, which a 2008 GET cannot present: as if unknown
    assert http_get(server, "/ovirt/managed_node/config?host=node1&macs=" + M[2] + "=eth2")[0] == 404

    scrape = samples(server, viewer)
    assert requests(scrape, "identify", "ok") == 3 and requests(scrape, "identify", "kept") == 2
    assert requests(scrape, "get_config", "ok") == 1 and requests(scrape, "get_config", "kept") == 3
    assert requests(scrape, "get_config", "404") == 1
    assert requests(scrape, "other", "404") == 1  # a client's method name does not become a label
    assert requests(scrape, "GET /ovirt/managed_node/config", "404") == 1
    count = ("ovirt_node_config_request_seconds_count", (("method", "get_config"),))
    assert scrape[count] == 5
    inventory = {
        name: scrape[(f"ovirt_node_config_{name}", ())]
        for name in ("hosts", "nics", "bonds", "degraded_bonds")
    }
    assert inventory == {"hosts": 2, "nics": 3, "bonds": 1, "degraded_bonds": 1}
    assert scrape[("ovirt_node_config_open_connections", ())] >= 1  # this scrape's own, at least
    assert scrape[("ovirt_node_config_database_outages_total", ())] == 0
    assert http_get(server, "/health") == (200, "text/plain; charset=utf-8", "ok\n")


@pytest.mark.parametrize(
    "text, outcome",
    [
        ("ok", "ok"),
        ("ok (kept answer)", "kept"),
        ("404 no node", "404"),
        ("ERROR busy", "error"),
        ("200", "200"),
    ],
)
def test_outcome_labels(text, outcome):
    assert outcome_of(text) == outcome


def test_health_follows_the_database(pg_schema_url, tmp_path):
    """A load balancer takes the server out while its database is away, and back after."""
    parts = urlsplit(pg_schema_url)
    proxy = TcpProxy((parts.hostname, parts.port or 5432))
    url = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    server = RunningServer(url, tmp_path / "server.log")
    try:
        assert http_get(server, "/health")[0] == 200
        proxy.cut()
        assert http_get(server, "/health") == (
            503,
            "text/plain; charset=utf-8",
            "the database is unavailable\n",
        )
        with pytest.raises(xmlrpc.client.Fault):
            call(server, "get_config", "node1", {M[0]: "eth0"})  # 503: an outage begins
        proxy.restore()
        assert http_get(server, "/health")[0] == 200
        assert samples(server)[("ovirt_node_config_database_outages_total", ())] == 1  # node-facing
    finally:
        server.stop()
        proxy.close()


def test_identify_lines_say_what_changed_and_absent_values_are_one_dash(server):
    node = server.proxy()
    node.identify(make_report(macs=("52:54:00:00:00:01", "52:54:00:00:00:02")))
    node.identify(make_report(macs=("52:54:00:00:00:01", "52:54:00:00:00:03")))
    with pytest.raises(xmlrpc.client.ProtocolError):
        xmlrpc.client.ServerProxy(server.url).admin.list_nodes()
    log = server.settled_log()
    assert re.search(r" identify node=node1 user=- [\d.]+ms ok \(created, 2 NICs\)\n", log)
    assert re.search(r" identify node=node1 user=- [\d.]+ms ok \(added 1 removed 1\)\n", log)
    assert re.search(r" admin\.list_nodes node=- user=- [\d.]+ms 401 no credentials\n", log)
    assert "None" not in log


def test_an_anonymous_scrape_sees_what_concerns_nodes_and_an_account_sees_all(server, database_url):
    """Without credentials: the node methods' requests, connections, the database's retries and
    outages; the administrators' requests and the fleet's counts need an account (a viewer is
    enough); wrong credentials are 401, as for the admin methods."""
    alice = add_admin(database_url)
    admin_proxy(server, *alice).admin.create_account("vera", "vera-password", "viewer")
    server.proxy().identify(make_report())
    anonymous, viewer = samples(server), samples(server, ("vera", "vera-password"))
    assert requests(anonymous, "identify", "ok") == 1 and requests(viewer, "identify", "ok") == 1
    assert requests(viewer, "admin.create_account", "ok") == 1
    assert not any(dict(labels).get("method", "").startswith("admin.") for _, labels in anonymous)
    assert ("ovirt_node_config_hosts", ()) in viewer and ("ovirt_node_config_hosts", ()) not in anonymous
    assert not any(name == "ovirt_node_config_nodes_by_state" for name, _ in anonymous)
    assert ("ovirt_node_config_database_outages_total", ()) in anonymous
    assert http_get(server, "/metrics", ("vera", "wrong-password"))[0] == 401
