"""Release artifacts: ``python -m build`` gives an sdist and a wheel that hold what a user needs,
and every console script of the installed package runs."""

import subprocess
import sys
import tarfile
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
SCRIPTS = ["ovirt-node-config-server", "ovirt-node-admin", "ovirt-node-boot", "ovirt-node-bench"]


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--sdist",
            "--wheel",
            "--outdir",
            str(out),
            str(CHECKOUT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {path.suffix if path.suffix == ".whl" else ".tar.gz": path for path in out.iterdir()}


def test_the_wheel_holds_every_migration_and_every_script(artifacts):
    with zipfile.ZipFile(artifacts[".whl"]) as wheel:
        names = wheel.namelist()
        entry_points = next(wheel.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    migrations = sorted(path.name for path in (CHECKOUT / "sql").glob("*.sql"))
    assert (
        sorted(Path(n).name for n in names if n.startswith("ovirt_node_config/sql/") and n.endswith(".sql"))
        == migrations
    )
    assert all(f"{script} = " in entry_points for script in SCRIPTS)
    sources = {
        path.relative_to(CHECKOUT).as_posix()
        for path in (CHECKOUT / "ovirt_node_config").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert sources <= set(names), sorted(sources - set(names))  # every subpackage is shipped
    assert not any(
        n.startswith(("tests/", "rpc/", "scripts/", "sql/")) for n in names
    )  # all inside the package


def test_the_sdist_holds_the_sources_tests_and_units(artifacts):
    with tarfile.open(artifacts[".tar.gz"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in (
        "sql/006_network_stack.sql",
        "contrib/ovirt-node-config-server.service",
        "Makefile",
        "tests/data/lshw/SOURCES.txt",
        "tests/helpers/nm_keyfile_reader.py",
        "setup.cfg",
    ):
        assert needed in names
    assert not any("__pycache__" in name for name in names)


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_console_script_runs(script):
    declared = {
        entry.name
        for entry in metadata.entry_points(group="console_scripts")
        if entry.dist.name == "ovirt-node-config"
    }
    assert script in declared
    result = subprocess.run(
        [str(Path(sys.executable).with_name(script)), "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.startswith("usage: "), result.stderr
