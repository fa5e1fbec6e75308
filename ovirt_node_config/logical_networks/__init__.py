"""Logical networks: a network defined once (its VLAN, MTU, whether it is bridged, and per
family a subnet with its gateway, DNS, routes and address pool) and attached to nodes' NICs and
bonds. ``definition`` reads a network whole (the rules between its values), ``pool`` chooses the
address a node gets, ``catalogue`` keeps the networks (a change reaching every node it is
attached to), ``attachments`` attaches and detaches them through the nodes wing's use cases.

May import: nodes, persistence, network and the shared modules. Imported by: fleet, verbs,
console, rpc.
"""
