"""ovirt-node-config: the library behind the node configuration server.

It holds the domain rules, persistence, rendering of node configuration files and the node
agent; the XML-RPC layer (``rpc/``) and the command-line entry points (``scripts/``) are thin
wrappers around it.
"""

__version__ = "0.1.0"
