"""``make install``'s files: the commands linked onto a PATH directory, the systemd units pointing
at them (clean for ``systemd-analyze verify``), the server's exposure (``systemd-analyze
security``) as low as the docs say, the example settings what the server reads."""

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ovirt_node_config.scripts import server
from support import require

from ovirt_node_config import release

CHECKOUT = Path(__file__).resolve().parents[2]
CONTRIB = CHECKOUT / "contrib"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """``make install-files`` into a scratch tree, over this test environment's commands (``make
    install`` builds that environment first, under PREFIX)."""
    if shutil.which("systemd-analyze") is None:
        require("systemd-analyze is missing (make test installs systemd)")
    root = tmp_path_factory.mktemp("installed")
    install_files(root)
    return root


def install_files(root: Path) -> None:
    directories = {"BINDIR": "bin", "UNITDIR": "units", "CONFDIR": "etc"}
    subprocess.run(
        ["make", "-s", "-C", str(CHECKOUT), "install-files", f"PREFIX={sys.prefix}"]
        + [f"{variable}={root / name}" for variable, name in directories.items()],
        check=True,
        capture_output=True,
        timeout=60,
    )


def test_the_commands_are_on_the_path_directory(installed):
    for command in ("ovirt-node-config-server", "ovirt-node-admin", "ovirt-node-boot"):
        result = subprocess.run(
            [installed / "bin" / command, "--version"], capture_output=True, text=True, timeout=60
        )
        assert (result.returncode, result.stdout.strip()) == (0, f"{command} {release()}")


def test_the_units_start_the_installed_commands(installed):
    unit = (installed / "units" / "ovirt-node-config-server.service").read_text()
    assert (
        f"ExecStart={installed}/bin/ovirt-node-config-server serve --config {installed}/etc/server.ini"
        in unit
    )
    assert (
        f"ExecStart={installed}/bin/ovirt-node-boot\n"
        in (installed / "units" / "ovirt-node-boot.service").read_text()
    )
    assert (
        f"ExecStart={installed}/bin/ovirt-node-boot --check\n"
        in (installed / "units" / "ovirt-node-check.service").read_text()
    )


def test_an_existing_settings_file_is_kept(installed):
    settings = installed / "etc" / "server.ini"
    assert settings.read_text() == (CONTRIB / "server.ini").read_text()
    settings.write_text("[server]\nport = 9000\n")
    install_files(installed)
    assert settings.read_text() == "[server]\nport = 9000\n"


@pytest.mark.parametrize(
    "unit",
    ["ovirt-node-config-server.service", "ovirt-node-boot.service", "ovirt-node-check.service",
     "ovirt-node-check.timer"],
)  # fmt: skip
def test_verify_is_clean(unit, installed):
    result = subprocess.run(
        ["systemd-analyze", "verify", str(installed / "units" / unit)], capture_output=True, text=True
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@pytest.mark.parametrize(
    "unit, at_most",
    [
        ("ovirt-node-config-server.service", 1.5),
        ("ovirt-node-boot.service", 7.0),
        ("ovirt-node-check.service", 7.0),
    ],
)
def test_exposure(unit, at_most, installed):
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(installed / "units" / unit)],
        capture_output=True,
        text=True,
    )
    level = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", result.stdout).group(1))
    assert level <= at_most


def test_the_example_settings_are_what_the_server_reads():
    unit = (CONTRIB / "ovirt-node-config-server.service").read_text()
    assert "serve --config /etc/ovirt-node-config/server.ini" in unit
    settings = server.server_settings(argparse.Namespace(), server.read_config(str(CONTRIB / "server.ini")))
    assert (settings.listen, settings.port, settings.processes) == ("0.0.0.0", 8742, 2)  # noqa: S104
