"""The layout shows the architecture (docs/architecture.md): read from the installed package's
code, every import between rooms points down the order below, no modules import each other in
a circle, only the shared modules sit at the top, and no source file is over 400 lines."""

import ast
from pathlib import Path

import ovirt_node_config

PACKAGE = Path(ovirt_node_config.__file__).parent
SHARED = {"__init__", "errors", "validation", "timestamps", "settings", "xmlrpc_strict", "rpc_client"}
# Each room may import the shared modules and rooms of a lower rank only. The node agent runs on
# every hypervisor: it may import the pure model and the file grammar, nothing of the server.
RANKS = {
    "network": 1,
    "config_file": 2,
    "inventory": 3,
    "agent": 3,
    "persistence": 4,
    "accounts": 5,
    "trust": 6,
    "nodes": 7,
    "logical_networks": 8,
    "fleet": 9,
    "boot": 10,
    "verbs": 11,
    "console": 12,
    "admin_cli": 12,
    "bench": 13,
    "rpc": 14,
    "scripts": 15,
}
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("ovirt_node_config", *path.relative_to(PACKAGE).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules ``name`` imports, anywhere in it (in functions too)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module] if node.module else base)
            found |= {f"{target}.{a.name}" if f"{target}.{a.name}" in known else target for a in node.names}
    return {module for module in found if module in known and module != name}


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in RANKS) else "shared"


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, set(known)) for name, path in known.items()}


def test_every_import_between_rooms_points_down():
    upward = [
        f"{module} -> {target}"
        for module, targets in graph().items()
        for target in targets
        if room(module) != room(target) and room(target) != "shared"
        if RANKS.get(room(target), 99) >= RANKS.get(room(module), 0)
    ]
    assert upward == []


def test_no_modules_import_each_other_in_a_circle():
    edges = graph()
    circles, done = [], set()

    def visit(module, path):
        if module in path:
            circles.append(path[path.index(module) :])
            return
        if module in done:
            return
        for target in edges[module]:
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(edges):
        visit(module, [])
    assert circles == []


def test_only_the_shared_modules_sit_at_the_top():
    top = {path.stem for path in PACKAGE.glob("*.py")}
    rooms = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert top == SHARED
    assert rooms - {"sql"} == set(RANKS)


def test_each_room_says_what_it_is_for_and_what_it_may_import():
    for room_name in RANKS:
        text = ast.get_docstring(ast.parse((PACKAGE / room_name / "__init__.py").read_text())) or ""
        assert "may import" in text.lower(), room_name


def test_no_source_file_is_over_400_lines():
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
