"""SQLAlchemy Core mappings of the server's own tables (``sql/`` builds them): administrators
and their sessions, the audit log, kept answers, node trust, templates, rules and rollouts. Read
``tables`` for what these mappings are and are not."""

from sqlalchemy import (
    CHAR,
    REAL,
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)

from ovirt_node_config.persistence.columns import Id, Timestamp, host_fk, metadata, timestamp_columns

admins = Table(
    "admins",
    metadata,
    Column("id", Id, nullable=False),
    Column("name", String(64), nullable=False),
    Column("password_hash", String(255), nullable=False),
    *timestamp_columns(),
    Column("role", String(16), nullable=False, server_default=text("'admin'")),  # sql/026
    Column("disabled", Boolean, nullable=False, server_default=text("FALSE")),
    PrimaryKeyConstraint("id", name="admins_pkey"),
    UniqueConstraint("name", name="admins_name_key"),
)

refusals = Table(
    "refusals",
    metadata,
    Column("id", Id, nullable=False),
    Column("at", Timestamp, nullable=False, server_default=func.current_timestamp()),
    Column("actor", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("what", String(80), nullable=False),
    Column("why", String(300), nullable=False),
    PrimaryKeyConstraint("id", name="refusals_pkey"),
)

admin_sessions = Table(
    "admin_sessions",
    metadata,
    Column("token_hash", CHAR(64), nullable=False),
    Column("admin_id", BigInteger, nullable=False),
    Column("created_at", Timestamp, nullable=False, server_default=func.current_timestamp()),
    Column("expires_at", Timestamp, nullable=False),
    PrimaryKeyConstraint("token_hash", name="admin_sessions_pkey"),
    ForeignKeyConstraint(
        ["admin_id"], ["admins.id"], name="admin_sessions_admin_id_fkey", ondelete="CASCADE"
    ),
    Index("ix_admin_sessions_admin_id", "admin_id"),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("key_digest", CHAR(64), nullable=False),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("blocked_until_ms", BigInteger, nullable=False, server_default="0"),
    Column("touched_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("key_digest", name="login_attempts_pkey"),
    Index("ix_login_attempts_touched_ms", "touched_ms"),
)

enrolment_buckets = Table(
    "enrolment_buckets",
    metadata,
    Column("bucket_digest", CHAR(64), nullable=False),
    Column("tokens", Double().with_variant(REAL(), "sqlite"), nullable=False),  # DOUBLE PRECISION
    Column("at_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("bucket_digest", name="enrolment_buckets_pkey"),
    Index("ix_enrolment_buckets_at_ms", "at_ms"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, nullable=False),
    Column("at", Timestamp, nullable=False, server_default=func.current_timestamp()),
    Column("actor", String(64), nullable=False),
    Column("host_id", BigInteger),
    Column("hostname", String(255), nullable=False),
    Column("action", String(64), nullable=False),
    Column("before", Text),
    Column("after", Text),
    PrimaryKeyConstraint("id", name="audit_log_pkey"),
    Index("ix_audit_log_host_id", "host_id", "id"),
)

cached_answers = Table(
    "cached_answers",
    metadata,
    Column("digest", CHAR(64), nullable=False),
    Column("host_id", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("method", String(16), nullable=False),
    Column("answer", Text, nullable=False),
    PrimaryKeyConstraint("digest", name="cached_answers_pkey"),
    host_fk("cached_answers"),
    Index("ix_cached_answers_host_id", "host_id"),
)

node_credential_keys = Table(
    "node_credential_keys",
    metadata,
    Column("id", SmallInteger, nullable=False, autoincrement=False),
    Column("secret", CHAR(64), nullable=False),
    PrimaryKeyConstraint("id", name="node_credential_keys_pkey"),
)

legacy_candidates = Table(  # sql/029
    "legacy_candidates",
    metadata,
    Column("hostname", String(255), nullable=False),
    Column("listed_at", Timestamp, nullable=False, server_default=func.current_timestamp()),
    PrimaryKeyConstraint("hostname", name="legacy_candidates_pkey"),
)

installation_settings = Table(  # sql/027
    "installation_settings",
    metadata,
    Column("name", String(64), nullable=False),
    Column("value", String(255), nullable=False),
    PrimaryKeyConstraint("name", name="installation_settings_pkey"),
)

node_claims = Table(
    "node_claims",
    metadata,
    Column("id", Id, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("hostname", String(255), nullable=False),
    Column("uuid", String(36)),
    Column("host_id", BigInteger),
    Column("address", String(64), nullable=False),
    Column("via", String(16), nullable=False),
    Column("report", Text, nullable=False),
    Column("digest", CHAR(64), nullable=False),
    Column("credential_hash", CHAR(64)),
    Column("created_at", Timestamp, nullable=False, server_default=func.current_timestamp()),
    PrimaryKeyConstraint("id", name="node_claims_pkey"),
    UniqueConstraint("digest", name="node_claims_digest_key"),
    host_fk("node_claims"),
    Index("ix_node_claims_host_id", "host_id"),
    Index("ix_node_claims_credential_hash", "credential_hash"),
)

legacy_addresses = Table(
    "legacy_addresses",
    metadata,
    Column("address", String(64), nullable=False),
    Column("hostname", String(255), nullable=False),
    PrimaryKeyConstraint("address", name="legacy_addresses_pkey"),
    Index("ix_legacy_addresses_hostname", "hostname"),
)

node_registrations = Table(
    "node_registrations",
    metadata,
    Column("value", String(36), nullable=False),
    Column("kind", String(4), nullable=False),
    PrimaryKeyConstraint("value", name="node_registrations_pkey"),
)


network_templates = Table(
    "network_templates",
    metadata,
    Column("id", Id, nullable=False),
    Column("name", String(64), nullable=False),
    Column("document", Text, nullable=False),
    *timestamp_columns(),
    PrimaryKeyConstraint("id", name="network_templates_pkey"),
    UniqueConstraint("name", name="network_templates_name_key"),
)

template_rules = Table(
    "template_rules",
    metadata,
    Column("id", Id, nullable=False),
    Column("name", String(64), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("template_id", BigInteger, nullable=False),
    Column("match", Text, nullable=False),
    Column("max_count", Integer),
    Column("created_at", Timestamp, nullable=False, server_default=func.current_timestamp()),
    PrimaryKeyConstraint("id", name="template_rules_pkey"),
    UniqueConstraint("name", name="template_rules_name_key"),
    ForeignKeyConstraint(["template_id"], ["network_templates.id"], name="template_rules_template_id_fkey"),
)

host_templates = Table(
    "host_templates",
    metadata,
    Column("host_id", BigInteger, nullable=False),
    Column("template_id", BigInteger, nullable=False),
    Column("rule_id", BigInteger),
    Column("applied_audit_id", BigInteger, nullable=False),
    Column("applied_at", Timestamp, nullable=False, server_default=func.current_timestamp()),
    PrimaryKeyConstraint("host_id", name="host_templates_pkey"),
    host_fk("host_templates"),
    ForeignKeyConstraint(["template_id"], ["network_templates.id"], name="host_templates_template_id_fkey"),
    ForeignKeyConstraint(
        ["rule_id"], ["template_rules.id"], name="host_templates_rule_id_fkey", ondelete="SET NULL"
    ),
    Index("ix_host_templates_rule_id", "rule_id"),
    Index("ix_host_templates_template_id", "template_id"),
)


rollouts = Table(
    "rollouts",
    metadata,
    Column("id", Id, nullable=False),
    Column("name", String(64), nullable=False),
    Column("template_id", BigInteger, nullable=False),
    Column("state", String(10), nullable=False, server_default="running"),
    Column("canary", Integer, nullable=False),
    Column("max_pending", Integer, nullable=False),
    Column("stopped_reason", String(1000)),
    Column("created_at", Timestamp, nullable=False, server_default=func.current_timestamp()),
    Column("document", Text),  # the template's document when the rollout started (sql/019)
    PrimaryKeyConstraint("id", name="rollouts_pkey"),
    UniqueConstraint("name", name="rollouts_name_key"),
    ForeignKeyConstraint(["template_id"], ["network_templates.id"], name="rollouts_template_id_fkey"),
)

rollout_nodes = Table(
    "rollout_nodes",
    metadata,
    Column("rollout_id", BigInteger, nullable=False),
    Column("host_id", BigInteger, nullable=False),
    Column("position", Integer, nullable=False),
    Column("status", String(8), nullable=False, server_default="waiting"),
    Column("reason", String(1000)),
    PrimaryKeyConstraint("rollout_id", "host_id", name="rollout_nodes_pkey"),
    ForeignKeyConstraint(
        ["rollout_id"], ["rollouts.id"], name="rollout_nodes_rollout_id_fkey", ondelete="CASCADE"
    ),
    host_fk("rollout_nodes"),
    Index("ix_rollout_nodes_host_id", "host_id"),
    # a node waits in one rollout at a time (sql/019)
    Index(
        "ux_rollout_nodes_one_rollout",
        "host_id",
        unique=True,
        postgresql_where=text("status IN ('waiting', 'pending')"),
        sqlite_where=text("status IN ('waiting', 'pending')"),
    ),
)
