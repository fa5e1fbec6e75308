-- Whether a NIC's link was up when its node last reported (lshw's disabled="true" / link=no, or
-- the kernel's carrier): NULL when the node did not say. A link-down NIC is still hardware:
-- it is kept, with its bond membership, so that admins can see a pulled cable here.
ALTER TABLE nics ADD COLUMN link_state VARCHAR(4)
    CONSTRAINT nics_link_state_check CHECK (link_state IN ('up', 'down'));
