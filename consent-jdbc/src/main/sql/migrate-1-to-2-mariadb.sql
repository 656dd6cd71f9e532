-- ConsentKit schema migration for MariaDB: version 1 to version 2. Plain statements with the consent_ prefix:
-- use it as a Flyway V2__ after the version-1 script as V1__ (the jar ships both under
-- db/migration/consentkit/mariadb), as a Liquibase sqlFile change, or run it by hand while no ConsentKit store
-- writes (MariaDB commits each ALTER TABLE on its own: a failed run is resumed by hand from the failed statement).
-- Afterwards the tables are exactly as schema-mariadb.sql (version 2) creates them.
-- Version 2: the idempotency digest on the log, the signed-checkpoint table, the deciding columns on each
-- current-record row (copied from the log row it points at) and the head entry's time on each subject row.
ALTER TABLE consent_log ADD COLUMN command_digest CHAR(64) AFTER idempotency_key;

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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

ALTER TABLE consent_subject ADD COLUMN head_recorded_at DATETIME(6);

UPDATE consent_subject h JOIN consent_log l ON l.tenant = h.tenant AND l.subject = h.subject AND l.seq = h.head_seq
    SET h.head_recorded_at = l.recorded_at;

ALTER TABLE consent_state
    ADD COLUMN status          VARCHAR(16),
    ADD COLUMN purpose_version INTEGER,
    ADD COLUMN effective_at    DATETIME(6),
    ADD COLUMN expires_at      DATETIME(6),
    ADD COLUMN conflict        BOOLEAN,
    ADD COLUMN seq             BIGINT;

UPDATE consent_state s JOIN consent_log l ON l.entry_id = s.entry_id
    SET s.status = l.status, s.purpose_version = l.purpose_version, s.effective_at = l.effective_at,
        s.expires_at = l.expires_at, s.conflict = l.conflict, s.seq = l.seq;

ALTER TABLE consent_state
    MODIFY status          VARCHAR(16)  NOT NULL,
    MODIFY purpose_version INTEGER      NOT NULL,
    MODIFY effective_at    DATETIME(6) NOT NULL,
    MODIFY conflict        BOOLEAN      NOT NULL,
    MODIFY seq             BIGINT       NOT NULL;

CREATE INDEX consent_state_audience_ix ON consent_state (tenant, purpose_id, subject);
