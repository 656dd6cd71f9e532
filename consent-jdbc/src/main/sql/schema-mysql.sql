-- ConsentKit schema for MySQL 8 (version 3). Untested: no MySQL server runs in ConsentKit's tests; it differs from
-- schema-mariadb.sql only in the collation (utf8mb4_0900_bin, MySQL's binary no-pad one). Times are DATETIME(6) in UTC; the
-- binary collation keeps subject ids exact (case and trailing spaces matter). Plain statements: paste into a Flyway or Liquibase
-- migration, or let JdbcConsentStore.Builder#createSchemaIfMissing() run them. Table prefix: consent_.
-- Version 2: each consent_state row carries the deciding columns of the record it points at (status,
-- purpose_version, effective_at, expires_at, conflict, seq), written with the log row, so that a check picks the
-- record in force from the state rows and reads one log row; consent_subject keeps the head entry's time. Tables
-- at version 1 are migrated with migrate-1-to-2-mysql.sql, then migrate-2-to-3-mysql.sql (see docs/jdbc.md).
-- Version 3: the outbox rows carry their relay partition and the event columns that change-data capture
-- (Debezium's Outbox Event Router) reads; the relay partitions and the webhook delivery log.
CREATE TABLE consent_purpose (
    tenant                 VARCHAR(64)   NOT NULL,
    purpose_id             VARCHAR(128)  NOT NULL,
    version                INTEGER       NOT NULL,
    title                  VARCHAR(500)  NOT NULL,
    description            LONGTEXT          NOT NULL,
    basis                  VARCHAR(32)   NOT NULL,
    data_categories        LONGTEXT          NOT NULL,
    validity               VARCHAR(32),
    reconsent_from_version INTEGER       NOT NULL,
    sale_or_share          BOOLEAN       NOT NULL,
    direct_marketing       BOOLEAN       NOT NULL,
    texts                  LONGTEXT          NOT NULL,
    saved_at               DATETIME(6) NOT NULL,
    CONSTRAINT consent_purpose_pk PRIMARY KEY (tenant, purpose_id, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;

CREATE TABLE consent_log (
    log_id           BIGINT NOT NULL AUTO_INCREMENT,
    entry_id         CHAR(36)      NOT NULL,
    tenant           VARCHAR(64)   NOT NULL,
    subject          VARCHAR(255)  NOT NULL,
    seq              BIGINT        NOT NULL,
    kind             VARCHAR(16)   NOT NULL,
    recorded_at      DATETIME(6) NOT NULL,
    purpose_id       VARCHAR(128),
    purpose_version  INTEGER,
    status           VARCHAR(16),
    effective_at     DATETIME(6),
    expires_at       DATETIME(6),
    idempotency_key  VARCHAR(255),
    command_digest   CHAR(64),
    conflict         BOOLEAN       NOT NULL,
    source           VARCHAR(16),
    collection_point VARCHAR(255),
    notice_version   VARCHAR(64),
    notice_sha256    CHAR(64),
    locale           VARCHAR(64),
    actor_type       VARCHAR(8),
    actor_id         VARCHAR(255),
    ip_address       VARCHAR(80),
    user_agent       VARCHAR(1024),
    comment_text     VARCHAR(2000),
    proof_reference  VARCHAR(255),
    pref_key         VARCHAR(128),
    pref_value       VARCHAR(255),
    erasure_reason   VARCHAR(255),
    personal_digest  CHAR(64)      NOT NULL,
    prev_hash        CHAR(64)      NOT NULL,
    hash             CHAR(64)      NOT NULL,
    CONSTRAINT consent_log_pk PRIMARY KEY (log_id),
    CONSTRAINT consent_log_entry_uk UNIQUE (entry_id),
    CONSTRAINT consent_log_chain_uk UNIQUE (tenant, subject, seq),
    CONSTRAINT consent_log_idempotency_uk UNIQUE (tenant, idempotency_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
CREATE INDEX consent_log_recorded_ix ON consent_log (tenant, recorded_at);
CREATE INDEX consent_log_purpose_ix ON consent_log (tenant, purpose_id, recorded_at);

CREATE TABLE consent_subject (
    tenant     VARCHAR(64)  NOT NULL,
    subject    VARCHAR(255) NOT NULL,
    head_seq   BIGINT       NOT NULL,
    head_hash  CHAR(64)     NOT NULL,
    erased     BOOLEAN      NOT NULL,
    head_recorded_at DATETIME(6),
    CONSTRAINT consent_subject_pk PRIMARY KEY (tenant, subject)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;

CREATE TABLE consent_state (
    tenant     VARCHAR(64)  NOT NULL,
    subject    VARCHAR(255) NOT NULL,
    purpose_id VARCHAR(128) NOT NULL,
    entry_id   CHAR(36)     NOT NULL,
    status          VARCHAR(16)  NOT NULL,
    purpose_version INTEGER      NOT NULL,
    effective_at    DATETIME(6) NOT NULL,
    expires_at      DATETIME(6),
    conflict        BOOLEAN      NOT NULL,
    seq             BIGINT       NOT NULL,
    CONSTRAINT consent_state_pk PRIMARY KEY (tenant, subject, purpose_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
CREATE INDEX consent_state_audience_ix ON consent_state (tenant, purpose_id, subject);

CREATE TABLE consent_preference (
    tenant   VARCHAR(64)  NOT NULL,
    subject  VARCHAR(255) NOT NULL,
    pref_key VARCHAR(128) NOT NULL,
    entry_id CHAR(36)     NOT NULL,
    CONSTRAINT consent_preference_pk PRIMARY KEY (tenant, subject, pref_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;

CREATE TABLE consent_outbox (
    outbox_id   BIGINT NOT NULL AUTO_INCREMENT,
    tenant      VARCHAR(64)  NOT NULL,
    subject     VARCHAR(255) NOT NULL,
    entry_id    CHAR(36)     NOT NULL,
    seq         BIGINT       NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    partition_no   SMALLINT     NOT NULL,
    event_type     VARCHAR(64),
    aggregate_type VARCHAR(64),
    aggregate_id   VARCHAR(255),
    payload        TEXT,
    CONSTRAINT consent_outbox_pk PRIMARY KEY (outbox_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;

CREATE INDEX consent_outbox_partition_ix ON consent_outbox (partition_no, outbox_id);

-- Relays take the outbox by partition (a subject's rows are always in one of the 16): a relay instance locks the
-- partitions it works on (SELECT ... FOR UPDATE SKIP LOCKED), so that instances share the work and each subject's
-- entries still go out in chain order. passed_at: when a relay last finished a pass over the partition.
CREATE TABLE consent_outbox_partition (
    partition_no SMALLINT NOT NULL,
    passed_at    DATETIME(6),
    PRIMARY KEY (partition_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;

INSERT INTO consent_outbox_partition (partition_no) VALUES
    (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15);

-- Webhook deliveries (consent-webhooks), append-only: one row per attempt to deliver an entry to an endpoint, the
-- evidence that a downstream party was told of a change, and when. outcome: DELIVERED, FAILED or DEAD_LETTERED.
CREATE TABLE consent_webhook_delivery (
    endpoint     VARCHAR(64)  NOT NULL,
    entry_id     CHAR(36)     NOT NULL,
    attempt      INTEGER      NOT NULL,
    attempted_at DATETIME(6) NOT NULL,
    outcome      VARCHAR(16)  NOT NULL,
    http_status  INTEGER,
    detail       VARCHAR(255),
    PRIMARY KEY (endpoint, entry_id, attempt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;

-- Signed checkpoints: the count of chains and a Merkle root over every chain head of a tenant at one instant, signed
-- with the application's key. The auditor keeps a copy outside the database; this table is the store's own list.
CREATE TABLE consent_checkpoint (
    tenant        VARCHAR(64)  NOT NULL,
    checkpoint_id CHAR(36)     NOT NULL,
    created_at    DATETIME(6) NOT NULL,
    chain_count   BIGINT       NOT NULL,
    merkle_root   CHAR(64)     NOT NULL,
    algorithm     VARCHAR(16)  NOT NULL,
    key_id        VARCHAR(128) NOT NULL,
    signature     VARCHAR(512) NOT NULL,
    CONSTRAINT consent_checkpoint_pk PRIMARY KEY (tenant, checkpoint_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
