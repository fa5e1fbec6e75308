"""Facts read from ``lshw -xml``: the real corpus in ``tests/data/lshw`` (sources in its
SOURCES.txt), and the shapes real machines produce that the corpus lacks.

Each expectation below is what lshw itself states in that file: the NICs are its physical
interfaces with a name and a MAC (slaves of a bond show the bond's MAC), memory is the System
Memory node (or the sum of its banks), CPUs are logical CPUs (threads or cores per populated
socket), the architecture comes from the header comment or the hardware.
"""

import re
from pathlib import Path

import pytest

from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.inventory import lshw

DATA = Path(__file__).resolve().parents[2] / "data" / "lshw"

# The same machines twice each in the corpus (other lshw versions and options).
QUAD = (
    "touch",
    "x86_64",
    98304,
    12,
    [
        ("90:e2:ba:09:e2:a0", "eth0", "up"),
        ("90:e2:ba:09:e2:a1", "eth1", "down"),
        ("90:e2:ba:09:e2:a4", "eth2", "down"),
        ("90:e2:ba:09:e2:a5", "eth3", "down"),
        ("04:7d:7b:06:95:ba", "eth4", "up"),
        ("04:7d:7b:06:95:bb", "eth5", "up"),
    ],
)
BASIC = (
    "vmhost01.dfw01.tumblr.net",
    "x86_64",
    32768,
    12,
    [("e8:9a:8f:23:15:72", "eth0", "up"), ("e8:9a:8f:23:15:72", "eth1", "down")],
)

# file: (hostname, arch, memory MiB, logical CPUs, [(MAC, name, link)])
CORPUS = {
    "beaker-apm-mustang.xml": (None, "aarch64", 14278, 8, []),
    "beaker-apple-powermac-g5.xml": (None, "ppc64", 1024, 4, []),
    "beaker-dell-poweredge-1950.xml": (None, "x86_64", 2048, 4, []),
    "beaker-hp-rx1620.xml": (None, "ia64", 6144, 2, []),
    "beaker-hp-z400.xml": (None, "x86_64", 24576, 8, []),
    "beaker-hp-zx2000.xml": (None, "ia64", 2560, 1, []),  # cpu:1 is an empty socket
    "beaker-ibm-js20.xml": (None, "ppc64", 2048, 2, []),
    "beaker-ibm-p750e.xml": (None, "ppc64", 8192, 4, []),
    "beaker-ibm-s822l-kvm-guest.xml": (None, "ppc64", 9216, 8, []),
    "beaker-ibm-s824-lpar.xml": (None, "ppc64", 16384, 8, []),
    "beaker-ibm-thinkpad-t43.xml": (None, "i686", 1024, 1, []),
    "beaker-intel-canoe-pass.xml": (None, "x86_64", 32768, 40, []),  # 2 sockets x 20 threads
    "beaker-pc-kvm-guest.xml": (None, "x86_64", 2048, 8, []),
    "beaker-sun-x8420.xml": (None, "x86_64", 7871, 4, []),  # lshw gives no core count: per socket
    "collins-lshw-10g.xml": (
        "proxy04.dfw01.tumblr.net",
        "x86_64",
        32768,
        12,
        [
            ("90:e2:ba:00:91:28", "eth2", "up"),
            ("e8:9a:8f:23:15:5a", "eth0", "down"),
            ("e8:9a:8f:23:15:5b", "eth1", "down"),
        ],
    ),
    "collins-lshw-amd-opteron-wonky.xml": (
        "hostname.domain.local",
        "x86_64",
        16384,
        1,  # cpu:1 is an unpopulated DMI socket, cpu:2-4 old lshw's placeholders
        [("18:a9:05:c5:f5:66", "eth0", "up"), ("18:a9:05:c5:f5:67", "eth1", "up")],
    ),
    "collins-lshw-b0214.xml": (
        "icinga-75d9553a.ewr01.tumblr.net",
        "x86_64",
        98304,
        2,
        [
            ("90:e2:ba:09:e2:a0", "eth4", "up"),
            ("90:e2:ba:09:e2:a1", "eth5", "down"),
            ("90:e2:ba:09:e2:a4", "eth2", "down"),
            ("90:e2:ba:09:e2:a5", "eth3", "down"),
            ("04:7d:7b:06:95:ba", "eth0", "up"),  # eth0 and eth1: slaves of bond0
            ("04:7d:7b:06:95:ba", "eth1", "up"),
        ],
    ),
    "collins-lshw-basic-dynamic-enums.xml": BASIC,
    "collins-lshw-basic.xml": BASIC,
    "collins-lshw-dell-r620-single-cpu.xml": (None, "x86_64", 32768, 16, []),  # MACs sanitized
    "collins-lshw-dell.xml": (None, "x86_64", 32768, 8, []),
    "collins-lshw-lvm.xml": (None, "x86_64", 32768, 16, []),
    "collins-lshw-new-web-old-lshw.xml": (
        "web02022012-7.tumblr.com",
        "x86_64",
        32768,  # no size on System Memory: the sum of its banks
        2,
        [
            ("00:25:90:1f:07:58", "eth0", "up"),
            ("00:25:90:1f:07:59", "eth1", "up"),
            ("00:25:90:1f:07:58", "eth2", "down"),
            ("00:25:90:1f:07:59", "eth3", "up"),
        ],
    ),
    "collins-lshw-nvme.xml": (
        "k61.virident.info",
        "x86_64",
        32768,
        12,
        [("c8:0a:a9:9e:d0:5c", "eth0", "up"), ("c8:0a:a9:9e:d0:5d", "eth1", "down")],
    ),
    "collins-lshw-old-web.xml": (
        "web-ac326355.d2.tumblr.net",
        "x86_64",
        24576,  # banks of memory:0 and memory:1; the flash chip is not RAM
        2,
        [
            ("00:25:90:67:d9:10", "eth0", "up"),
            ("00:25:90:67:d9:11", "eth1", "up"),
            ("00:25:90:67:d9:10", "eth2", "up"),
            ("00:25:90:67:d9:11", "eth3", "up"),
        ],
    ),
    "collins-lshw-old.xml": (
        "servicetest-8c1274e6.d2.tumblr.net",
        "x86_64",
        73728,
        2,
        [
            ("00:25:90:2b:19:b4", "eth0", "up"),
            ("00:25:90:2b:19:b5", "eth1", "up"),
            ("00:25:90:2b:19:b4", "eth2", "up"),
            ("00:25:90:2b:19:b5", "eth3", "up"),
        ],
    ),
    "collins-lshw-quad-no-capacity.xml": QUAD,  # the same machine, lshw without capacities
    "collins-lshw-quad.xml": QUAD,
    "collins-lshw-size.xml": (
        "genesis",
        "x86_64",
        32768,
        32,
        [
            ("f0:4d:a2:78:00:ef", "eth0", "down"),
            ("f0:4d:a2:78:00:f0", "eth1", "down"),
            ("a0:36:9f:35:f6:40", "eth2", "up"),
            ("a0:36:9f:35:f6:42", "eth3", "up"),
        ],
    ),
    "collins-lshw-small.xml": (
        "vmhost-211acc74.d2.tumblr.net",
        "x86_64",
        73728,
        24,
        [
            ("00:25:90:2b:0c:94", "eth0", "up"),
            ("00:25:90:2b:0c:95", "eth1", "up"),
            ("00:25:90:2b:0c:94", "eth2", "up"),
            ("00:25:90:2b:0c:95", "eth3", "up"),
        ],
    ),
    "collins-lshw-virident.xml": (
        "k61.virident.info",
        "x86_64",
        32768,
        12,
        [("c8:0a:a9:9e:d0:5c", "eth0", "up"), ("c8:0a:a9:9e:d0:5d", "eth1", "down")],
    ),
    "virtio-vm.xml": ("vm", "x86_64", 24576, 1, [("02:fc:00:00:00:01", "eth0", "up")]),
}


def test_the_corpus_is_all_here():
    assert sorted(path.name for path in DATA.glob("*.xml")) == sorted(CORPUS)
    sources = (DATA / "SOURCES.txt").read_text()
    assert all(name in sources for name in CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_what_lshw_states_about_each_real_machine(name):
    hostname, arch, memory_mb, cpu_count, nics = CORPUS[name]
    facts = lshw.parse((DATA / name).read_text())
    assert facts.get("hostname") == hostname
    assert facts.get("arch") == arch
    assert facts.get("memory_mb") == memory_mb
    assert len(facts.get("cpus", [])) == cpu_count
    assert [cpu["index"] for cpu in facts.get("cpus", [])] == list(range(cpu_count))
    assert [(nic["mac"], nic["iface_name"], nic.get("link_state")) for nic in facts["nics"]] == nics


def test_software_interfaces_are_named_as_skipped():
    facts = lshw.parse((DATA / "collins-lshw-small.xml").read_text())
    skipped = {entry["iface_name"]: entry["reason"] for entry in facts["skipped"]}
    assert skipped["bond0"] == "software interface (driver bonding)"
    assert skipped["vnet0"] == "software interface (driver tun)"
    assert len([name for name in skipped if name.startswith("vnet")]) == 26
    vlans = lshw.parse((DATA / "collins-lshw-b0214.xml").read_text())["skipped"]
    assert {"iface_name": "eth4.104", "reason": "software interface (driver 802.1Q VLAN Support)"} in vlans


def test_sanitized_values_are_absent():
    facts = lshw.parse((DATA / "collins-lshw-lvm.xml").read_text())
    assert "hostname" not in facts and "uuid" not in facts  # id and uuid read [REMOVED]
    assert facts["nics"] == []
    assert {"iface_name": "eth0", "reason": "lshw gives no hardware address"} in facts["skipped"]


def test_the_uuid_and_ip_of_a_real_server():
    facts = lshw.parse((DATA / "collins-lshw-quad.xml").read_text())
    assert facts["uuid"] == "44454C4C-5800-1051-8037-C4C04F565231"  # report.py normalises it
    eth4 = next(nic for nic in facts["nics"] if nic["iface_name"] == "eth4")
    assert (eth4["bandwidth_mbps"], eth4["ip_address"]) == (1000, "172.16.31.181")


def _machine(body: str, header: str = "", width: int = 64, machine_id: str = "n1", product: str = "") -> str:
    return (
        f'<?xml version="1.0" standalone="yes" ?>\n{header}<list><node id="{machine_id}" claimed="true" '
        f'class="system"><product>{product}</product><width units="bits">{width}</width>'
        '<node id="core" class="bus">'
        f'<node id="memory" class="memory"><description>System Memory</description>'
        f'<size units="bytes">1073741824</size></node>{body}</node></node></list>'
    )


def test_logicalcpu_children_count_and_are_not_sockets():
    logical = "".join(
        f'<node id="logicalcpu:{i}" class="processor"><description>Logical CPU</description></node>'
        for i in range(4)
    )
    xml = _machine(
        f'<node id="cpu:0" claimed="true" class="processor"><product>Xeon</product>{logical}</node>'
        '<node id="cpu:1" claimed="true" class="processor" disabled="true">'
        "<description>CPU [empty]</description></node>"
    )
    assert len(lshw.parse(xml)["cpus"]) == 4


@pytest.mark.parametrize(
    "header, arch",
    [
        ("<!-- Linux 5.14.0-70.el9.aarch64 #1 SMP aarch64 -->\n", "aarch64"),
        ("<!-- Linux 4.19.0-armmp-lpae #1 SMP Debian armv7l -->\n", "armv7l"),
        ("<!-- Linux 4.18.0-305.el8.ppc64le #1 SMP ppc64le -->\n", "ppc64le"),
        ("<!-- Linux 4.18.0-305.el8.s390x #1 SMP s390x -->\n", "s390x"),
        ("<!-- Linux 2.6.18-8.el5 #1 SMP Fri Jan 26 14:15:21 EST 2007 ia64 -->\n", "ia64"),
        ("<!-- Linux 2.6.18-8.el5 #1 SMP Fri Jan 26 14:15:21 EST 2007 i686 -->\n", "i686"),
    ],
)
def test_the_header_comment_names_the_architecture(header, arch):
    # A 32-bit-looking x86 processor must not win over what the kernel said.
    cpu = '<node id="cpu" claimed="true" class="processor"><product>cpu</product></node>'
    xml = _machine(cpu, header=f"<!-- generated by lshw-B.02.19 -->\n{header}", width=32)
    assert lshw.parse(xml)["arch"] == arch


@pytest.mark.parametrize(
    "cpu, width, product, arch",
    [
        # s390x (z12 as lshw writes it): no product, the zarch capability
        (
            '<node id="cpu:0" claimed="true" class="processor"><vendor>IBM/S390</vendor>'
            '<capabilities><capability id="zarch" /></capabilities></node>',
            64,
            "",
            "s390x",
        ),
        # ARMv7 (Calxeda Highbank): only the machine's product says ARM
        (
            '<node id="cpu:0" claimed="true" class="processor"><product>cpu</product></node>',
            32,
            "Calxeda Highbank",
            "armv7l",
        ),
    ],
)
def test_the_hardware_names_the_architecture_without_a_header(cpu, width, product, arch):
    facts = lshw.parse(_machine(cpu, width=width, product=product))
    assert (facts["arch"], len(facts["cpus"])) == (arch, 1)


def test_an_ipoib_interface_is_left_to_the_report_reader():
    nic = (
        '<node id="network" claimed="true" class="network"><businfo>pci@0000:81:00.0</businfo>'
        "<logicalname>ib0</logicalname>"
        "<serial>80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:0b:0c</serial>"
        '<configuration><setting id="driver" value="ib_ipoib" /></configuration></node>'
    )
    assert lshw.parse(_machine(nic))["nics"][0]["iface_name"] == "ib0"


def test_lshw_placeholder_host_names_are_absent():
    assert "hostname" not in lshw.parse(_machine("", machine_id="computer"))
    assert "hostname" not in lshw.parse(_machine("", machine_id="_none_"))


@pytest.mark.parametrize(
    "xml, reason",
    [
        ("<node id='x'", "not well-formed"),
        ('<!DOCTYPE n [<!ENTITY e "boom">]><node id="x">&e;</node>', "DOCTYPE"),
        ("<other/>", "no machine at its top"),
        ("<list></list>", "no machine at its top"),
        ('<list><node id="core" class="bus"/></list>', "no machine at its top"),
        ("<node>" + "x" * lshw.MAX_XML_BYTES + "</node>", "larger than"),
    ],
)
def test_hostile_or_foreign_xml_is_refused(xml, reason):
    with pytest.raises(InvalidInput, match=reason):
        lshw.parse(xml)


# What lshw prints under LANG=fr_FR.UTF-8 (its po/fr.po) for the descriptions it writes most; any
# other description is wrapped in French quotes, so no English description is left anywhere.
FRENCH = {
    "System Memory": "Mémoire Système",
    "Flash Memory": "Mémoire flash",
    "CPU": "Processeur",
    "Motherboard": "Carte mère",
    "BIOS": "BIOS",
    "Ethernet interface": "Interface Ethernet",
    "DIMM DDR3 Synchronous 1333 MHz (0.8 ns)": "DIMM DDR3 Synchrone 1333 MHz (0,8 ns)",
    "L1 cache": "Mémoire cache L1",
    "Host bridge": "Pont hôte",
    "Memory controller": "Contrôleur mémoire",
    "Computer": "Ordinateur",
}


def in_french(xml: str) -> str:
    """The report with every description translated, as a node in a French locale sends it."""

    def translate(match):
        text = match.group(2)
        return f"{match.group(1)}{FRENCH.get(text, f'« {text} »')}{match.group(3)}"

    return re.sub(r"(<description>)(.*?)(</description>)", translate, xml)


@pytest.mark.parametrize("name", sorted(path.name for path in DATA.glob("*.xml")))
def test_a_report_in_french_gives_the_facts_of_the_english_one(name):
    english = (DATA / name).read_text()
    french = in_french(english)
    assert "<description>System Memory</description>" not in french
    assert lshw.parse(french) == lshw.parse(english)


def test_a_nics_vendor_and_product_as_lshw_names_them():
    """Network templates pick NICs by them (fleet/nic_selection.py)."""
    nics = {nic["iface_name"]: nic for nic in lshw.parse((DATA / "collins-lshw-10g.xml").read_text())["nics"]}
    assert (nics["eth2"]["vendor"], nics["eth2"]["product"]) == (
        "Intel Corporation",
        "82599EB 10-Gigabit Network Connection",
    )
