"""The agent's check of layer 3 after the restart, on the routed hypervisor (``networks.routed``)
as keyfiles: every default and static route the files say, as ``ip -j route show table all``
prints them (its shapes recorded in a network namespace), and the name servers NetworkManager
holds for the resolver's device; each difference one sentence naming it."""

import json
from pathlib import Path

import pytest
from networks import routed

from ovirt_node_config.agent import desired_network, kernel_routes, verification
from ovirt_node_config.config_file import envelope

KERNEL4 = [
    {"dst": "default", "gateway": "192.0.2.1", "dev": "ovirtmgmt", "protocol": "static", "metric": 425},
    {"dst": "default", "dev": "eth2", "gateway": "10.0.2.2", "protocol": "dhcp", "metric": 20100,
     "flags": []},
    {"dst": "192.0.2.0/24", "dev": "ovirtmgmt", "protocol": "kernel", "scope": "link"},
    {"dst": "198.51.100.0/24", "gateway": "192.0.2.254", "dev": "ovirtmgmt", "metric": 100},
    {"dst": "203.0.113.0/24", "dev": "eth2", "metric": 50},
    {"type": "local", "dst": "127.0.0.1", "dev": "lo", "table": "local"},
]  # fmt: skip
KERNEL6 = [
    {"dst": "2001:db8:2::/48", "gateway": "2001:db8::fe", "dev": "ovirtmgmt", "metric": 1024},
    {"dst": "default", "gateway": "fe80::1", "dev": "ovirtmgmt", "metric": 425, "pref": "medium"},
    {"type": "local", "dst": "::1", "dev": "lo", "table": "local", "metric": 0},
]
NM_DNS = "IP4.DNS[1]:192.0.2.53\nIP6.DNS[1]:2001\\:db8::53\n"


def wanted():
    sections = envelope.parse(envelope.render(routed(), "keyfile"))
    return desired_network.from_commands(envelope.parse_augtool(sections.augtool))


def observed(desired, routes4=KERNEL4, routes6=KERNEL6, dns=NM_DNS, commands=kernel_routes.ROUTE_COMMANDS):
    """A reading with the kernel's side of the bonds absent (judged elsewhere: test_verification)."""

    def run(argv):
        if argv[0] == "ip":
            return json.dumps(routes6 if "-6" in argv else routes4) if routes4 is not None else None
        return dns if "show" in argv else ""

    return verification.read(ROOT, desired, run, None, commands)


ROOT = Path("/nonexistent-root-of-no-machine")


def test_what_the_routed_hypervisor_wants_of_the_kernel():
    desired = wanted()
    assert sorted((r.destination, r.device, r.gateway, r.metric, r.learnt) for r in desired.routes) == [
        ("0.0.0.0/0", "ovirtmgmt", "192.0.2.1", None, False),
        ("198.51.100.0/24", "ovirtmgmt", "192.0.2.254", 100, False),
        ("2001:db8:2::/48", "ovirtmgmt", "2001:db8::fe", None, False),
        ("203.0.113.0/24", "eth2", None, 50, False),
        ("::/0", "ovirtmgmt", "fe80::1", None, False),
    ]
    assert desired.dns == ("ovirtmgmt", ("192.0.2.53", "2001:db8::53"))


def test_routes_and_name_servers_as_written_pass():
    desired = wanted()
    verdict = verification.Verdict()
    verification._judge_routes(desired.routes, observed(desired), verdict)
    verification._judge_dns(*desired.dns, observed(desired).dns, verdict)
    assert verdict.differences == [] and verdict.warnings == []


@pytest.mark.parametrize(
    "routes4, words",
    [
        ([r for r in KERNEL4 if r["dst"] != "198.51.100.0/24"],
         "ovirtmgmt: no route to 198.51.100.0/24 via 192.0.2.254 dev ovirtmgmt metric 100"),
        ([{**r, "metric": 101} if r["dst"] == "198.51.100.0/24" else r for r in KERNEL4],
         "ovirtmgmt: no route to 198.51.100.0/24 via 192.0.2.254 dev ovirtmgmt metric 100; the kernel has "
         "to 198.51.100.0/24 via 192.0.2.254 dev ovirtmgmt metric 101"),
        ([{**r, "metric": 10} if r.get("dev") == "eth2" and r["dst"] == "default" else r for r in KERNEL4],
         "ovirtmgmt: the default route in use is to default via 10.0.2.2 dev eth2 metric 10, not to default "
         "via 192.0.2.1 dev ovirtmgmt"),
    ],
)  # fmt: skip
def test_each_route_difference_is_named(routes4, words):
    desired = wanted()
    verdict = verification.Verdict()
    verification._judge_routes(desired.routes, observed(desired, routes4=routes4), verdict)
    assert verdict.differences == [words]


def test_unreadable_routes_and_missing_name_servers_are_differences():
    desired = wanted()
    verdict = verification.judge(desired, observed(desired, routes4=None, dns="IP4.DNS[1]:10.0.2.3\n"))
    assert "the routes cannot be read (ip -j route)" in verdict.differences
    assert "ovirtmgmt: NetworkManager holds name servers 10.0.2.3, not 192.0.2.53, 2001:db8::53" in (
        verdict.differences
    )


def test_under_a_scratch_root_routes_are_not_verified_but_said_so():
    desired = wanted()
    reading = observed(desired, commands=None)
    verdict = verification.Verdict()
    verification._judge_routes(desired.routes, reading, verdict)
    assert verdict.differences == [] and verdict.warnings == [
        "routes not verified: no command reads this root's routes"
    ]
