"""Backups of ifcfg files come back byte for byte; files that were new are removed."""

from ovirt_node_config.agent.network_files import Backup, foreign_profiles


def test_restore_is_exact(tmp_path):
    directory = tmp_path / "etc/sysconfig/network-scripts"
    directory.mkdir(parents=True)
    (directory / "ifcfg-eth0").write_bytes(b"DEVICE=eth0\r\nODD='bytes'\n\x00")
    (directory / "ifcfg-eth0").chmod(0o600)
    backup = Backup(tmp_path, "etc/sysconfig/network-scripts", ["ifcfg-eth0", "ifcfg-bond0"])
    (directory / "ifcfg-eth0").write_text("changed\n")
    (directory / "ifcfg-bond0").write_text("new\n")
    backup.restore()
    assert (directory / "ifcfg-eth0").read_bytes() == b"DEVICE=eth0\r\nODD='bytes'\n\x00"
    assert (directory / "ifcfg-eth0").stat().st_mode & 0o777 == 0o600
    assert not (directory / "ifcfg-bond0").exists()
    assert (tmp_path / "var/lib/ovirt-node-config/backup/ifcfg-eth0").exists()


CONNECTIONS = "etc/NetworkManager/system-connections"


def test_foreign_profiles_are_those_binding_our_interfaces_or_macs(tmp_path):
    directory = tmp_path / CONNECTIONS
    directory.mkdir(parents=True)
    profiles = {
        # cloud-init's profile for eth0, by MAC (upper case, as NetworkManager also writes them)
        "cloud-init-eth0.nmconnection": "[connection]\nid=cloud-init eth0\ntype=ethernet\n"
        "[ethernet]\nmac-address=52:54:00:00:00:01\n",
        # a person's "Wired connection 2", by interface name
        "Wired connection 2.nmconnection": "[connection]\nid=Wired connection 2\ninterface-name=eth1\n",
        "vpn.nmconnection": "[connection]\nid=vpn\ntype=vpn\n",  # another interface: left alone
        "eth9.nmconnection": "[connection]\ninterface-name=eth9\n",
        "notes.txt": "not an INI file at all [\n",  # NetworkManager would not load it either
        "bond0.nmconnection": "[connection]\ninterface-name=bond0\n",  # ours: rewritten, not moved
        # an installer's VLAN on our bond, and a bridge that took our bond as its port
        "vlan-storage.nmconnection": (
            "[connection]\ntype=vlan\ninterface-name=storage\n[vlan]\nparent=bond0\nid=7\n"
        ),
        "bond-port.nmconnection": "[connection]\ntype=bond\ninterface-name=bond7\nmaster=bond0\n",
        "other-vlan.nmconnection": "[connection]\ntype=vlan\n[vlan]\nparent=eth9\nid=7\n",  # not ours
    }
    for name, text in profiles.items():
        (directory / name).write_text(text)
    (directory / "cloud-init-eth0.nmconnection").write_text(
        profiles["cloud-init-eth0.nmconnection"].replace("52:54:00:00:00:01", "52:54:00:00:00:01".upper())
    )
    found = foreign_profiles(
        directory,
        ["bond0.nmconnection", "eth0.nmconnection"],
        {"bond0", "eth0", "eth1"},
        {"52:54:00:00:00:01"},
    )
    assert found == [
        "Wired connection 2.nmconnection",
        "bond-port.nmconnection",
        "cloud-init-eth0.nmconnection",
        "vlan-storage.nmconnection",
    ]
    assert foreign_profiles(tmp_path / "nowhere", [], {"eth0"}, set()) == []
