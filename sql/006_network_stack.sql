-- Which files a node's network is configured with (ovirt_node_config/node_view.py):
-- 'ifcfg' (/etc/sysconfig/network-scripts, the 2008 appliances, RHEL up to 9) or 'keyfile'
-- (NetworkManager's /etc/NetworkManager/system-connections, RHEL 10, Fedora). The node says
-- which at identify (reported_network_stack; NULL when it did not say: old agents, the 2008
-- appliances); an administrator may override it (network_stack_override; NULL: follow the
-- node). Neither set means 'ifcfg', the 2008 behaviour.
-- One file for both databases.

ALTER TABLE hosts ADD COLUMN reported_network_stack VARCHAR(7)
    CONSTRAINT hosts_reported_network_stack_check CHECK (reported_network_stack IN ('ifcfg', 'keyfile'));
ALTER TABLE hosts ADD COLUMN network_stack_override VARCHAR(7)
    CONSTRAINT hosts_network_stack_override_check CHECK (network_stack_override IN ('ifcfg', 'keyfile'));
