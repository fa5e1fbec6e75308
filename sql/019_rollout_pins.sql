-- A rollout rolls the document its canaries proved (fleet/rollout.py): the template's document
-- is copied into the rollout when it starts, so that editing the template later does not reach
-- the next wave; rollouts started before this migration are pinned to what their template says
-- now. And a node waits in one rollout at a time: an abandoned rollout lets go of the nodes it
-- had not reached (skipped, with the reason; a pending node's report still counts), and where two rollouts held one node the later
-- one lets go. One file for both databases.

ALTER TABLE rollouts ADD COLUMN document TEXT;
UPDATE rollouts SET document = (
    SELECT network_templates.document FROM network_templates WHERE network_templates.id = rollouts.template_id
);

UPDATE rollout_nodes SET status = 'skipped', reason = 'the rollout was abandoned'
WHERE status = 'waiting'
  AND rollout_id IN (SELECT id FROM rollouts WHERE state = 'abandoned');
UPDATE rollout_nodes SET status = 'skipped', reason = 'the node waits in an earlier rollout'
WHERE status IN ('waiting', 'pending')
  AND EXISTS (
      SELECT 1 FROM rollout_nodes AS earlier
      WHERE earlier.host_id = rollout_nodes.host_id
        AND earlier.status IN ('waiting', 'pending')
        AND earlier.rollout_id < rollout_nodes.rollout_id
  );
CREATE UNIQUE INDEX ux_rollout_nodes_one_rollout ON rollout_nodes (host_id) WHERE status IN ('waiting', 'pending');
