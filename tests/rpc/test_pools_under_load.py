"""A pool under a storm of first boots through two servers of two processes each on one
database: a rule's template attaches a pooled network to every new node; 16 nodes boot at once
on a pool of 8. Eight get the pool's eight addresses, none twice; the eight others enrol as they
came, each with the exhausted pool in its history; nothing is lost."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from support import RunningServer, add_admin, admin_proxy, make_report

DESIGN = {
    "name": "pooled",
    "bonding_type": "active-backup",
    "bonds": [{"name": "bond0", "nics": {"fastest": 2}}],
    "networks": [{"network": "mgmt", "on": "bond0", "default_route": True}],
}
MGMT = {"ipv4": {"subnet": "10.3.0.0/24", "gateway": "10.3.0.1", "pool": ["10.3.0.10-10.3.0.17"]}}


@pytest.fixture
def servers(database_url, tmp_path):
    running = [
        RunningServer(database_url, tmp_path / f"server{i}.log", ("--processes", "2")) for i in range(2)
    ]
    yield running
    for server in running:
        server.stop()


def test_sixteen_first_boots_through_two_servers_share_one_pool_of_eight(servers, database_url):
    admin = admin_proxy(servers[0], *add_admin(database_url)).admin
    admin.set_network("mgmt", MGMT)
    admin.set_template("pooled", DESIGN)
    admin.set_rule("everyone", {"template": "pooled", "priority": 1, "match": {}})

    def first_boot(number: int) -> str:
        macs = (f"52:54:00:0c:{number:02x}:01", f"52:54:00:0c:{number:02x}:02")
        return servers[number % 2].proxy().identify(make_report(f"new{number:02d}", macs=macs))["hostname"]

    with ThreadPoolExecutor(max_workers=16) as workers:
        enrolled = sorted(workers.map(first_boot, range(16)))
    assert enrolled == [f"new{number:02d}" for number in range(16)]
    given = sorted(a["ipv4"] for a in admin.show_network("mgmt")["attachments"])
    assert given == [f"10.3.0.{n}" for n in range(10, 18)]
    failed = [
        entry["after"]["reason"]
        for host in enrolled
        for entry in admin.history(host)
        if entry["action"] == "template_failed"
    ]
    assert len(failed) == 8 and all("the IPv4 pool of mgmt is exhausted" in reason for reason in failed)
