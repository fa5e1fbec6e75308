-- Upgrading an installation whose 2008 appliances were served before addresses had to be
-- associated with them (sql/008; trust/legacy_upgrade.py). Every host holding no credential and
-- no associated address when this runs may be one: the first 2008 call for it from an address
-- whose reverse-DNS name is its host name associates that address with it (audited), and the
-- host leaves this list. A new installation lists none.

CREATE TABLE legacy_candidates (
    hostname   VARCHAR(255) NOT NULL,
    listed_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT legacy_candidates_pkey PRIMARY KEY (hostname)
);

INSERT INTO legacy_candidates (hostname)
SELECT h.hostname FROM hosts h
WHERE h.credential_hash IS NULL
  AND NOT EXISTS (SELECT 1 FROM legacy_addresses l WHERE l.hostname = h.hostname);
