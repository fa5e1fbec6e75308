"""The base install is the node agent's: the agent runs without any package of the server's
extras, and the other scripts say in one line what to install.

Each script runs in a Python where the extras' packages cannot be imported (their entries in
``sys.modules`` are None, which makes ``import`` fail as if they were not installed), and the
installed distribution's metadata says which packages the base install pulls in.
"""

import re
import subprocess
import sys
from importlib import metadata

import pytest
from support import build_machine, enrol_without_credential, make_report

EXTRAS_ONLY = ["sqlalchemy", "psycopg", "lxml", "prometheus_client", "tabulate", "psutil", "tqdm"]


def run_without_extras(module: str, *args: str) -> subprocess.CompletedProcess:
    code = (
        "import sys\n"
        f"for name in {EXTRAS_ONLY!r}: sys.modules[name] = None\n"
        f"from ovirt_node_config.scripts.{module} import main\n"
        f"sys.exit(main({list(args)!r}))\n"
    )
    # -P: the installed package, not the checkout beside the working directory
    return subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, timeout=120)


def test_the_base_requirements_are_the_agents():
    base = [req for req in metadata.requires("ovirt-node-config") if "extra ==" not in req]
    assert sorted(req.split(">")[0].split("[")[0] for req in base) == ["dnspython", "python-augeas"]


def test_the_agent_runs_without_the_extras(server, db, tmp_path):
    assert run_without_extras("node_boot", "--help").returncode == 0
    enrol_without_credential(db, make_report(macs=("52:54:00:00:00:01",)))
    root = tmp_path / "root"
    build_machine(root, nics=[("eth0", "52:54:00:00:00:01", 1000)])
    dry = run_without_extras("node_boot", "--root", str(root), "--server", server.url, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would set /files/etc/sysconfig/network-scripts/ifcfg-eth0/DEVICE eth0" in dry.stdout


@pytest.mark.parametrize(
    "module, prog, extra",
    [
        ("server", "ovirt-node-config-server", "server"),
        ("admin", "ovirt-node-admin", "server"),
        ("bench", "ovirt-node-bench", "bench"),
    ],
)
def test_the_other_scripts_say_what_to_install(module, prog, extra):
    result = run_without_extras(module, "--help")
    assert result.returncode == 1
    pattern = (
        rf"{prog}: needs the '{extra}' extra \(\w+ is not installed\): "
        rf"pip install 'ovirt-node-config\[{extra}\]'"
    )
    assert re.fullmatch(pattern, result.stderr.rstrip("\n")), result.stderr
