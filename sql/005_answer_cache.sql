-- Answers to repeated boot calls. A node that reboots with unchanged hardware sends the same
-- identify and get_config bodies it sent last time; the server keeps the answer it would give
-- each such body now, keyed by a digest of the body (and of the server's code), together with
-- the host's config_version when it was computed. Every change to a host's rows bumps that
-- version (admin changes, identify, another host's identify taking one of its MACs), so an
-- answer is served only while the host is exactly as it was; a stale row is never served and is
-- replaced on the next miss. Deleting a host deletes its answers.
-- One file for both databases.

ALTER TABLE hosts ADD COLUMN config_version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE cached_answers (
    digest   CHAR(64) NOT NULL,
    host_id  BIGINT NOT NULL,
    version  BIGINT NOT NULL,
    method   VARCHAR(16) NOT NULL,
    answer   TEXT NOT NULL,
    CONSTRAINT cached_answers_pkey PRIMARY KEY (digest),
    CONSTRAINT cached_answers_host_id_fkey FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE
);
CREATE INDEX ix_cached_answers_host_id ON cached_answers (host_id);
