"""A node's network as one model: its interfaces (ethernet, bond, VLAN, bridge), how they hang
together and the rules between them. Pure: no database, no RPC, no files.

``model`` holds the objects, ``rules`` what a valid network is, ``bonding`` the kernel's
bonding modes and options. The nodes wing builds a model from stored rows
(``nodes.network_view``), each stack (``config_file.ifcfg``, ``config_file.keyfile``) writes one
as files and reads the files back as one, and the node agent verifies the kernel against the
one it read.

May import: the shared modules only. Imported by every other room.
"""
