"""Backups of ifcfg files come back byte for byte; files that were new are removed."""

from ovirt_node_config.agent.network_files import Backup


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
