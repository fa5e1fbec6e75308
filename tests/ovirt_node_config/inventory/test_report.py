"""Reading identify reports: modern keys, legacy keys, lshw XML, and their bounds."""

from pathlib import Path

import pytest
from support import make_report

from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.inventory.report import MAX_NICS, parse_report

DATA = Path(__file__).resolve().parents[2] / "data" / "lshw"


def test_modern_report_in_normal_form():
    report = parse_report(make_report(hostname="Node1", uuid="4C4C4544-0035-3010-8051-B8C04F4E3232"))
    assert report.hostname == "node1"
    assert report.uuid == "4c4c4544-0035-3010-8051-b8c04f4e3232"
    assert [nic.iface_name for nic in report.nics] == ["eth0", "eth1", "eth2"]
    assert [cpu.index for cpu in report.cpus] == [0, 1]


def test_legacy_keys_map_to_modern_ones():
    report = parse_report(
        {
            "HOSTNAME": "old",
            "ARCH": "i686",
            "MEMSIZE": "512",
            "CPUINFO": [{"CPUNUM": "1", "SPEED": "1995.000", "CACHE": "2048 KB", "FLAGS": "fpu vme"}],
            "NICINFO": [
                {
                    "MAC": "00:16:3E:00:00:01",
                    "IFACE_NAME": "eth0",
                    "IP_ADDRESS": "192.0.2.9",
                    "NETMASK": "255.255.255.0",
                    "BROADCAST": "192.0.2.255",
                    "BANDWIDTH": "100",
                }
            ],
        }
    )
    assert (report.memory_mb, report.cpus[0].index, report.cpus[0].speed_mhz, report.cpus[0].cache_kb) == (
        512,
        1,
        1995,
        2048,
    )
    nic = report.nics[0]
    assert (nic.mac, nic.ip_address, nic.netmask, nic.broadcast, nic.bandwidth_mbps) == (
        "00:16:3e:00:00:01",
        "192.0.2.9",
        "255.255.255.0",
        "192.0.2.255",
        100,
    )


def test_explicit_keys_win_over_lshw():
    xml = (
        '<node id="from-lshw" class="system"><node id="memory" class="memory">'
        '<size units="bytes">1073741824</size></node></node>'
    )
    report = parse_report({"lshw_xml": xml, "hostname": "explicit", "arch": "x86_64", "nics": []})
    assert (report.hostname, report.memory_mb) == ("explicit", 1024)


def test_bond_slaves_sharing_a_mac_are_accepted_with_their_link_state():
    nics = [
        {"mac": "52:54:00:00:00:01", "iface_name": "eth0", "link_state": "up"},
        {"mac": "52:54:00:00:00:01", "iface_name": "eth1", "link_state": "down"},
    ]
    report = parse_report(make_report(nics=nics))
    assert [(nic.mac, nic.iface_name, nic.link_state) for nic in report.nics] == [
        ("52:54:00:00:00:01", "eth0", "up"),
        ("52:54:00:00:00:01", "eth1", "down"),
    ]


def test_an_infiniband_address_is_skipped_and_named_not_refused():
    ipoib = "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:0b:0c"
    report = parse_report(
        make_report(
            nics=[{"mac": "52:54:00:00:00:01", "iface_name": "eth0"}, {"mac": ipoib, "iface_name": "ib0"}]
        )
    )
    assert [nic.iface_name for nic in report.nics] == ["eth0"]
    assert [(entry.iface_name, entry.reason) for entry in report.skipped] == [
        ("ib0", "its hardware address has 20 octets: not an Ethernet MAC")
    ]


def test_an_lshw_report_names_what_it_skipped():
    xml = (DATA / "collins-lshw-10g.xml").read_text()
    report = parse_report({"lshw_xml": xml})
    assert (report.hostname, report.uuid) == (
        "proxy04.dfw01.tumblr.net",
        "44454c4c-5a00-1031-804e-c6c04f585131",
    )
    assert [(nic.iface_name, nic.link_state) for nic in report.nics] == [
        ("eth2", "up"),
        ("eth0", "down"),
        ("eth1", "down"),
    ]
    assert [entry.iface_name for entry in report.skipped] == ["bond0"]


def test_an_lshw_report_without_a_host_name_says_what_to_send():
    xml = (DATA / "beaker-dell-poweredge-1950.xml").read_text()  # id="computer": lshw could not tell
    with pytest.raises(InvalidInput, match="invalid hostname: is required: lshw_xml does not say it"):
        parse_report({"lshw_xml": xml})
    assert parse_report({"lshw_xml": xml, "hostname": "pe1950"}).arch == "x86_64"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"nics": [{"mac": "52:54:00:00:00:01", "iface_name": "eth0"}] * 2}, "nics[1].iface_name"),
        (
            {"nics": [{"mac": "52:54:00:00:00:01", "iface_name": "eth0", "link_state": "dormant"}]},
            "nics[0].link_state",
        ),
        ({"nics": [{"mac": "80:00:02:08:fe:80:zz", "iface_name": "ib0"}]}, "nics[0].mac"),
        ({"nics": [{"mac": "52:54:00:00:00:01"}]}, "nics[0].iface_name"),
        (
            {
                "nics": [
                    {"mac": f"52:54:00:00:{i // 256:02x}:{i % 256:02x}", "iface_name": f"e{i}"}
                    for i in range(1, MAX_NICS + 2)
                ]
            },
            "nics",
        ),
        ({"cpus": "many"}, "cpus"),
        ({"cpus": [{"index": 0}, {"index": 0}]}, "cpus[1].index"),
        ({"arch": "x86 64"}, "arch"),
        ({"memory_mb": None}, "memory_mb"),
        ({"hostname": None}, "hostname"),
        (
            {"nics": [{"mac": "52:54:00:00:00:01", "iface_name": "eth0", "netmask": "255.0.255.0"}]},
            "nics[0].netmask",
        ),
    ],
)
def test_refusals_name_the_field(change, field):
    with pytest.raises(InvalidInput) as caught:
        parse_report({**make_report(), **change})
    assert caught.value.field == field


@pytest.mark.parametrize(
    "sent, kept",
    [("0.4.0", "0.4.0"), ("0.4.0+g1a2b3c4d5e6f", "0.4.0+g1a2b3c4d5e6f"), ("", None), (None, None)],
)
def test_the_agent_says_its_release(sent, kept):
    assert parse_report({**make_report(), "agent_version": sent}).agent_version == kept
    assert parse_report(make_report()).agent_version is None  # an agent before 0.4.0


@pytest.mark.parametrize("sent", ["0.4 beta", "<script>", "x" * 65, 4])
def test_an_agent_version_that_is_not_a_release_name_is_refused(sent):
    with pytest.raises(InvalidInput) as refused:
        parse_report({**make_report(), "agent_version": sent})
    assert refused.value.field == "agent_version"
