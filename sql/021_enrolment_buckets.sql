-- How fast new hosts may appear (trust/enrolment_rate.py): one token bucket per client address
-- and one for the whole installation, kept in the database so that every server process, and
-- every server on it, takes from the same buckets. A bucket's key is the SHA-256 of its name
-- ("server", or "address:" and the client address); tokens may be fractional; at_ms is when it
-- was last refilled, in milliseconds since the epoch. A bucket untouched for a minute is full
-- again and is forgotten. One file for both databases.

CREATE TABLE enrolment_buckets (
    bucket_digest CHAR(64) NOT NULL,
    tokens DOUBLE PRECISION NOT NULL,
    at_ms BIGINT NOT NULL,
    CONSTRAINT enrolment_buckets_pkey PRIMARY KEY (bucket_digest)
);
CREATE INDEX ix_enrolment_buckets_at_ms ON enrolment_buckets (at_ms);
