"""The transports: XML-RPC over HTTP/1.1 (``server``, ``http_frontend``), the 2008 host-browser
listener (``host_browser``), metrics and health (``metrics``), and the process around them
(``runtime``). Installed as ``ovirt_node_config.rpc``.

They translate between the wire and the library and decide nothing: a node's call goes to the
boot wing (``node_methods`` -> ``ovirt_node_config.boot``), an administrator is authenticated
by ``accounts.authentication`` before dispatch, and every ``admin.*`` method is a verb of
``verbs.table`` (``admin_methods``, with no per-verb code).

May import: every library room. Imported by: scripts.
"""
