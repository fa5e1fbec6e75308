"""Facts read from ``lshw -xml``: the real sample, and the shapes real servers produce."""

from pathlib import Path

import pytest

from ovirt_node_config import lshw
from ovirt_node_config.errors import InvalidInput

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "lshw" / "virtio-vm.xml"

SERVER = """<?xml version="1.0" standalone="yes" ?>
<list>
<node id="rack1-node7" claimed="true" class="system">
 <width units="bits">64</width>
 <configuration><setting id="uuid" value="4c4c4544-0035-3010-8051-b8c04f4e3232" /></configuration>
 <node id="core" class="bus">
  <node id="memory" class="memory"><size units="bytes">68719476736</size>
   <node id="bank:0" class="memory"><size units="bytes">34359738368</size></node>
  </node>
  <node id="cpu:0" class="processor"><product>Xeon</product><vendor>Intel Corp.</vendor>
   <size units="Hz">2400000000</size><capabilities><capability id="x86-64" /></capabilities></node>
  <node id="cpu:1" class="processor" disabled="true"><product>empty socket</product></node>
  <node id="network:0" class="network"><businfo>pci@0000:01:00.0</businfo>
   <logicalname>eno1</logicalname><serial>B8:CA:3A:00:00:01</serial><size units="bit/s">10000000000</size>
   <configuration><setting id="ip" value="192.0.2.20" /><setting id="broadcast" value="yes" /></configuration>
   <capabilities><capability id="physical" /></capabilities></node>
  <node id="network:1" class="network"><businfo>pci@0000:01:00.1</businfo>
   <logicalname>eno2</logicalname><serial>b8:ca:3a:00:00:02</serial></node>
 </node>
 <node id="network" class="network"><logicalname>virbr0</logicalname><serial>52:54:00:12:34:56</serial>
  <configuration><setting id="driver" value="bridge" /></configuration></node>
</node>
</list>
"""


def test_the_real_sample():
    facts = lshw.parse(SAMPLE.read_text())
    assert facts["hostname"] == "vm"
    assert "uuid" not in facts
    assert (facts["arch"], facts["memory_mb"]) == ("x86_64", 24 * 1024)
    assert len(facts["cpus"]) == 1 and facts["cpus"][0]["model_name"] == "AMD EPYC"
    assert facts["nics"] == [{"mac": "02:fc:00:00:00:01", "iface_name": "eth0", "ip_address": "192.0.2.2"}]


def test_a_server_with_uuid_speeds_banks_and_a_bridge():
    facts = lshw.parse(SERVER)
    assert facts["hostname"] == "rack1-node7"
    assert facts["uuid"] == "4c4c4544-0035-3010-8051-b8c04f4e3232"
    assert facts["memory_mb"] == 64 * 1024  # the banks are not counted twice
    assert [cpu["speed_mhz"] for cpu in facts["cpus"]] == [2400]  # the empty socket is disabled
    assert facts["nics"] == [
        {
            "mac": "B8:CA:3A:00:00:01",
            "iface_name": "eno1",
            "bandwidth_mbps": 10000,
            "ip_address": "192.0.2.20",
        },
        {"mac": "b8:ca:3a:00:00:02", "iface_name": "eno2"},
    ]


@pytest.mark.parametrize(
    "xml, reason",
    [
        ("<node id='x'", "not well-formed"),
        ('<!DOCTYPE n [<!ENTITY e "boom">]><node id="x">&e;</node>', "DOCTYPE"),
        ("<other/>", "no lshw <node>"),
        ("<node>" + "x" * lshw.MAX_XML_BYTES + "</node>", "larger than"),
    ],
)
def test_hostile_or_foreign_xml_is_refused(xml, reason):
    with pytest.raises(InvalidInput, match=reason):
        lshw.parse(xml)
