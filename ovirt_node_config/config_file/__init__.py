"""The configuration file a node gets: its two-section envelope (``envelope``: the pre-config
script and the augtool section, rendered and read strictly) and the files its augtool section
writes, one module per network stack.

``stack.Stack`` is what a stack is: where its files live, the Augeas lens that reads them, a
writer from the interface model (``ovirt_node_config.network``) to ``rm``/``set`` lines, and a
strict reader from those lines back to the model. ``ifcfg`` and ``keyfile`` each hold a table of
kind -> keys over one key grammar (``grammar``) that the writer and the reader both use, so the
two cannot drift; ``stacks`` chooses one.

May import: ``network`` and the shared modules. Imported by the server's rooms and the node
agent alike.
"""
