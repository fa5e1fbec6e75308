"""The SQL migrations; this marker installs them as ``ovirt_node_config.sql``."""
