-- What a node's report says a NIC is (ovirt_node_config/report.py): its vendor and product as
-- lshw names them ("Intel Corporation", "82599ES 10-Gigabit SFI/SFP+ Network Connection"), or
-- NULL when the report does not say. Network templates pick NICs by them (fleet/).
-- One file for both databases.

ALTER TABLE nics ADD COLUMN vendor VARCHAR(255);
ALTER TABLE nics ADD COLUMN product VARCHAR(255);
