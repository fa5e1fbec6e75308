"""Keyfiles as a node ends up with them: rendered, read back strictly, applied with python-augeas
to a scratch root, then read as INI files and by NetworkManager's own keyfile reader (libnm,
through the system's python3: ``nm_keyfile_reader.py``)."""

import configparser
import json
import shutil
import subprocess
from pathlib import Path

from support import require

from ovirt_node_config.agent.augeas_apply import apply_commands
from ovirt_node_config.config_file import envelope
from ovirt_node_config.network.model import Network

CONNECTIONS = "etc/NetworkManager/system-connections"
READER = Path(__file__).parent / "nm_keyfile_reader.py"


def applied(root: Path, node: Network) -> dict[str, dict]:
    """Render, read back strictly, apply with python-augeas; every keyfile as INI, with its mode."""
    sections = envelope.parse(envelope.render(node, "keyfile"))
    apply_commands(root, envelope.parse_augtool(sections.augtool))
    files = {}
    for path in sorted((root / CONNECTIONS).iterdir()):
        ini = configparser.ConfigParser(interpolation=None)
        ini.optionxform = str  # keys as written
        ini.read_string(path.read_text())
        files[path.name] = {section: dict(ini[section]) for section in ini.sections()}
        files[path.name]["mode"] = oct(path.stat().st_mode & 0o7777)
    return files


def networkmanager_reads(root: Path) -> dict:
    """What NetworkManager's keyfile reader makes of every keyfile under ``root``."""
    python = shutil.which("python3", path="/usr/bin:/bin")  # the system's, with its packages
    probe = python and subprocess.run(
        [python, "-c", "import gi; gi.require_version('NM', '1.0')"], capture_output=True, check=False
    )
    if not probe or probe.returncode != 0:
        require(
            "NetworkManager's keyfile reader needs python3-gi and gir1.2-nm-1.0 (make test installs them)"
        )
    directory = root / CONNECTIONS
    paths = sorted(str(path) for path in directory.iterdir())
    result = subprocess.run(
        [python, str(READER), str(directory), *paths], capture_output=True, text=True, check=True, timeout=60
    )
    return {Path(path).name: value for path, value in json.loads(result.stdout).items()}
