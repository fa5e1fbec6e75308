"""Thin command-line entry points; installed as ``ovirt_node_config.scripts``."""
