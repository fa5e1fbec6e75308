"""Fixtures of the real-kernel tests (tests/helpers/guest_vm.py, guest_node.py).

Every guest of a test is its own: nothing a kernel or NetworkManager keeps leaks between
scenarios. Scenarios that share one guest's boots are one module, kept on one xdist worker
(``xdist_group``).
"""

import pytest
from guest_node import start_server


@pytest.fixture
def node_server(tmp_path):
    running = start_server(tmp_path)
    yield running
    running.stop()
