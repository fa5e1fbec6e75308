-- A new node's proof that it is the machine that enrolled (trust/enrolment.py): before it holds a
-- credential, the agent sends a random token of its own (kept on its disk) with its identify; the
-- host keeps the token's keyed digest for a while, so that the same node asking again after its
-- answer, and the credential in it, was lost on the wire is given a new credential. Nobody else
-- holds the token. Until = milliseconds since the epoch. One file for both databases.

ALTER TABLE hosts ADD COLUMN enrolment_proof CHAR(64);
ALTER TABLE hosts ADD COLUMN enrolment_proof_until_ms BIGINT;
