-- The release of the agent that sent a host's last identify (its `agent_version`: "0.4.0", or
-- "0.4.0+g<commit>" from a checkout); NULL when it did not say: agents before 0.4.0 and the 2008
-- appliances. Shown per node so that an operator sees which nodes still run an old agent.
-- One file for both databases.

ALTER TABLE hosts ADD COLUMN agent_version VARCHAR(64);
