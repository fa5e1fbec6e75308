"""ovirt-node-config: the library behind the node configuration server.

It holds the domain rules, persistence, rendering of node configuration files and the node
agent; the XML-RPC layer (``rpc/``) and the command-line entry points (``scripts/``) are thin
wrappers around it.
"""

import functools
from pathlib import Path

# Moves with each release (each round of issues that lands); a checkout adds its commit.
__version__ = "0.4.0"


@functools.cache
def release() -> str:
    """This release's name: the version, and the commit when run from a git checkout
    (``0.4.0+g1a2b3c4d5e6f``), read from ``.git`` without running git. ``--version`` prints it,
    ``ping`` answers it and the agent reports it at ``identify``."""
    commit = _checkout_commit(Path(__file__).resolve().parent.parent / ".git")
    return f"{__version__}+g{commit[:12]}" if commit else __version__


def _checkout_commit(git: Path) -> str | None:
    try:
        if git.is_file():  # a worktree: "gitdir: PATH"
            git = (git.parent / git.read_text().split(":", 1)[1].strip()).resolve()
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head or None  # detached
        ref = head[5:]
        common = git / "commondir"
        base = (git / common.read_text().strip()).resolve() if common.is_file() else git
        if (base / ref).is_file():
            return (base / ref).read_text().strip() or None
        for line in (base / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    except (OSError, IndexError):
        return None
    return None
