"""The systemd units in contrib/: clean for ``systemd-analyze verify``, and the server's exposure
(``systemd-analyze security``) as low as the README says."""

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ovirt_node_config.scripts import server
from support import require

CONTRIB = Path(__file__).resolve().parents[2] / "contrib"
BIN = Path(sys.executable).parent


def installed_copy(unit: str, tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this environment's console script (verify checks it)."""
    if shutil.which("systemd-analyze") is None:
        require("systemd-analyze is missing (make test installs systemd)")
    copy = tmp_path / unit
    copy.write_text((CONTRIB / unit).read_text().replace("/usr/local/bin/", f"{BIN}/"))
    return copy


@pytest.mark.parametrize("unit", ["ovirt-node-config-server.service", "ovirt-node-boot.service"])
def test_verify_is_clean(unit, tmp_path):
    result = subprocess.run(
        ["systemd-analyze", "verify", str(installed_copy(unit, tmp_path))], capture_output=True, text=True
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@pytest.mark.parametrize(
    "unit, at_most", [("ovirt-node-config-server.service", 1.5), ("ovirt-node-boot.service", 7.0)]
)
def test_exposure(unit, at_most, tmp_path):
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(installed_copy(unit, tmp_path))],
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
