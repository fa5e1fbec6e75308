-- What a node reports of each NIC beyond 2008's columns (ovirt_node_config/report.py): the MTU it
-- runs with, the largest its device accepts (where the kernel says), and its global IPv6
-- addresses as ADDRESS/PREFIX, comma-separated (at most 16). The administrator's MTU and IPv6
-- settings (010_host_networks) are what the node is told; these are what it said it has.
-- One file for both databases.

ALTER TABLE nics ADD COLUMN reported_mtu INTEGER
    CONSTRAINT nics_reported_mtu_check CHECK (reported_mtu BETWEEN 1 AND 1048576);
ALTER TABLE nics ADD COLUMN max_mtu INTEGER
    CONSTRAINT nics_max_mtu_check CHECK (max_mtu BETWEEN 1 AND 1048576);
ALTER TABLE nics ADD COLUMN reported_ipv6 VARCHAR(800);
