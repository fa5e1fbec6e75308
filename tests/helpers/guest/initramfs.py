"""Write the test guest's initramfs: a gzipped newc cpio with busybox, ``init`` and the kernel
modules that mount the guest's root (virtio over PCI, 9p, overlayfs), in the order their
dependencies need. Run by ``build-cache``; nothing here runs in the tests themselves."""

from __future__ import annotations

import argparse
import gzip
import os
import stat
from pathlib import Path

ROOT_MODULES = ("virtio_pci", "9pnet_virtio", "9p", "overlay")
DIRECTORIES = ("bin", "dev", "proc", "sys", "host", "layer", "rw", "newroot", "modules")


def load_order(modules: Path, wanted: tuple[str, ...]) -> list[str]:
    """The module files (relative to ``modules``) to insmod for ``wanted``, dependencies first;
    modules built into the kernel are left out."""
    dependencies: dict[str, list[str]] = {}
    by_name: dict[str, str] = {}
    for line in (modules / "modules.dep").read_text().splitlines():
        path, _, rest = line.partition(":")
        dependencies[path] = rest.split()
        by_name[_module_name(path)] = path
    builtin = {_module_name(line) for line in (modules / "modules.builtin").read_text().split()}
    order: list[str] = []

    def visit(path: str) -> None:
        if path not in order:
            for dependency in dependencies[path]:
                visit(dependency)
            order.append(path)

    for name in wanted:
        if name not in builtin:
            visit(by_name[name])
    return order


def _module_name(path: str) -> str:
    return os.path.basename(path).split(".ko")[0].replace("-", "_")


class NewcArchive:
    """The "newc" cpio format the kernel unpacks an initramfs from."""

    def __init__(self, stream):
        self.stream = stream
        self.inode = 1
        self.offset = 0

    def add(self, name: str, mode: int, data: bytes = b"") -> None:
        header = [self.inode, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0]
        self.inode += 1
        self._write(b"070701" + b"".join(b"%08X" % value for value in header) + name.encode() + b"\0")
        self._pad()
        self._write(data)
        self._pad()

    def close(self) -> None:
        self.add("TRAILER!!!", 0)

    def _write(self, data: bytes) -> None:
        self.stream.write(data)
        self.offset += len(data)

    def _pad(self) -> None:
        self._write(b"\0" * (-self.offset % 4))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--modules", type=Path, required=True, help="/lib/modules/VERSION of the guest kernel"
    )
    parser.add_argument("--busybox", type=Path, required=True, help="a static busybox")
    parser.add_argument("--init", type=Path, required=True, help="the initramfs' /init script")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    order = load_order(args.modules, ROOT_MODULES)
    partial = args.out.with_suffix(".partial")
    with gzip.open(partial, "wb", compresslevel=6) as stream:
        archive = NewcArchive(stream)
        for directory in DIRECTORIES:
            archive.add(directory, stat.S_IFDIR | 0o755)
        archive.add("bin/busybox", stat.S_IFREG | 0o755, args.busybox.read_bytes())
        archive.add("init", stat.S_IFREG | 0o755, args.init.read_bytes())
        for path in order:
            archive.add(
                f"modules/{os.path.basename(path)}", stat.S_IFREG | 0o644, (args.modules / path).read_bytes()
            )
        names = "".join(os.path.basename(path) + "\n" for path in order)
        archive.add("modules/order", stat.S_IFREG | 0o644, names.encode())
        archive.close()
    os.replace(partial, args.out)


if __name__ == "__main__":
    main()
