"""Finding the server: flag, node.conf, kernel command line, DNS SRV, in that order."""

import pytest

from ovirt_node_config.agent.discovery import ServerNotFound, SrvRecord, find_server


@pytest.fixture
def root(tmp_path):
    (tmp_path / "proc/sys/kernel").mkdir(parents=True)
    (tmp_path / "proc/sys/kernel/hostname").write_text("node1.rack7.example\n")
    (tmp_path / "proc/cmdline").write_text("ro quiet ovirt_server=cmdline.example:9000\n")
    (tmp_path / "etc/ovirt-node-config").mkdir(parents=True)
    (tmp_path / "etc/ovirt-node-config/node.conf").write_text("[node]\nserver = https://conf.example:8742/\n")
    return tmp_path


def no_dns(name):
    raise AssertionError("DNS must not be asked")


def test_the_flag_wins(root):
    choice = find_server(root, "http://flag.example:1/", no_dns)
    assert (choice.url, choice.source) == ("http://flag.example:1/", "--server")


def test_then_the_config_file(root):
    assert find_server(root, None, no_dns).url == "https://conf.example:8742/"


def test_then_the_kernel_command_line(root):
    (root / "etc/ovirt-node-config/node.conf").unlink()
    choice = find_server(root, None, no_dns)
    assert choice.url == "http://cmdline.example:9000/" and "kernel" in choice.source


def test_then_dns_srv_for_the_host_domain(root):
    (root / "etc/ovirt-node-config/node.conf").unlink()
    (root / "proc/cmdline").write_text("ro\n")
    asked = []

    def resolve(name):
        return [
            SrvRecord(20, 0, 80, "backup.example."),
            SrvRecord(10, 5, 8742, "b.example."),
            SrvRecord(10, 50, 8742, "a.example."),
        ]

    def plain_only(name):
        asked.append(name)
        if name.startswith("_ovirts."):
            raise LookupError(name)
        return resolve(name)

    choice = find_server(root, None, plain_only)
    assert asked == ["_ovirts._tcp.rack7.example", "_ovirt._tcp.rack7.example"]
    assert choice.url == "http://a.example:8742/"


def test_the_tls_srv_record_comes_first(root):
    (root / "etc/ovirt-node-config/node.conf").unlink()
    (root / "proc/cmdline").write_text("ro\n")

    def resolve(name):
        port = 8743 if name.startswith("_ovirts.") else 8742
        return [SrvRecord(10, 0, port, "config.example.")]

    choice = find_server(root, None, resolve)
    assert (choice.url, choice.source) == (
        "https://config.example:8743/",
        "DNS SRV _ovirts._tcp.rack7.example",
    )


@pytest.mark.parametrize(
    "word, url",
    [
        ("ovirt_server=https://config.example:8743/", "https://config.example:8743/"),
        ("ovirt_server=https://config.example/", "https://config.example/"),
        ("ovirt_server=http://config.example:1/", "http://config.example:1/"),
        ("ovirt_server=config.example", "http://config.example:8742/"),
    ],
)
def test_the_kernel_command_line_may_name_an_https_server(root, word, url):
    (root / "etc/ovirt-node-config/node.conf").unlink()
    (root / "proc/cmdline").write_text(f"ro {word} quiet\n")
    assert find_server(root, None, no_dns).url == url


def test_nothing_anywhere_is_a_clear_error(root):
    (root / "etc/ovirt-node-config/node.conf").unlink()
    (root / "proc/cmdline").write_text("ro\n")

    def nothing(name):
        raise LookupError(name)

    with pytest.raises(ServerNotFound, match="give --server"):
        find_server(root, None, nothing)


def test_a_bad_url_is_refused(root):
    with pytest.raises(ServerNotFound, match="--server"):
        find_server(root, "ftp://x/", no_dns)
