-- ConsentKit schema for MySQL 8 (version 2). Untested: no MySQL server runs in ConsentKit's tests; it differs from
-- schema-mariadb.sql only in the collation (utf8mb4_0900_bin, MySQL's binary no-pad one). Times are DATETIME(6) in UTC; the
-- binary collation keeps subject ids exact (case and trailing spaces matter). Plain statements: paste into a Flyway or Liquibase
-- migration, or let JdbcConsentStore.Builder#createSchemaIfMissing() run them. Table prefix: consent_.
-- Version 2: each consent_state row carries the deciding columns of the record it points at (status,
-- purpose_version, effective_at, expires_at, conflict, seq), written with the log row, so that a check picks the
-- record in force from the state rows and reads one log row; consent_subject keeps the head entry's time. Tables
-- at version 1 are migrated with migrate-1-to-2-mysql.sql (see docs/jdbc.md).
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
    CONSTRAINT consent_outbox_pk PRIMARY KEY (outbox_id)
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
