"""The XML-RPC service: server, node methods, admin methods and the fault table.

Installed as ``ovirt_node_config.rpc``. It translates between the wire and the library; the
decisions live in ``ovirt_node_config``.
"""
