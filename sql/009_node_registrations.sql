-- Nodes an administrator registered before they boot, for the 'registered' enrolment policy
-- (ovirt_node_config/trust/enrolment.py): a new host is enrolled only when its report carries
-- a registered SMBIOS UUID or MAC. Registrations stay after enrolment (a reset or deleted
-- node enrols again), until an administrator removes them.
-- One file for both databases.

CREATE TABLE node_registrations (
    value  VARCHAR(36) NOT NULL,
    kind   VARCHAR(4) NOT NULL,
    CONSTRAINT node_registrations_pkey PRIMARY KEY (value),
    CONSTRAINT node_registrations_kind_check CHECK (kind IN ('uuid', 'mac'))
);
