-- The configuration file a node last reported applying (node_status.record): kept when the
-- digest it reports is that of the file it would get now, so that administrators can compare
-- what a change would give with what the node runs (the web console's node page). NULL until
-- then. One file for both databases.

ALTER TABLE hosts ADD COLUMN applied_config TEXT;
