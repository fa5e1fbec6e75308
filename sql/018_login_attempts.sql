-- Failed administrator logins, counted in the database so that every server process and every
-- server on it sees the same counts (accounts/login_throttle.py). One row per key: the pair
-- (user, address), the address, the user, each kept as the SHA-256 of its kind and value (a name
-- sent with a wrong password is anything a client chose). Times are milliseconds since the epoch.
-- One file for both databases.

CREATE TABLE login_attempts (
    key_digest CHAR(64) NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    blocked_until_ms BIGINT NOT NULL DEFAULT 0,
    touched_ms BIGINT NOT NULL,
    CONSTRAINT login_attempts_pkey PRIMARY KEY (key_digest),
    CONSTRAINT login_attempts_failures_check CHECK (failures >= 0)
);
CREATE INDEX ix_login_attempts_touched_ms ON login_attempts (touched_ms);
