-- ConsentKit schema migration for PostgreSQL: version 1 to version 2. Plain statements with the consent_ prefix:
-- use it as a Flyway V2__ after the version-1 script as V1__ (the jar ships both under
-- db/migration/consentkit/postgresql), as a Liquibase sqlFile change, or run it by hand in one transaction while no
-- ConsentKit store writes. Afterwards the tables are exactly as schema-postgresql.sql (version 2) creates them.
-- Version 2: the idempotency digest on the log, the signed-checkpoint table, the deciding columns on each
-- current-record row (copied from the log row it points at) and the head entry's time on each subject row.
ALTER TABLE consent_log ADD COLUMN command_digest CHAR(64);

CREATE TABLE consent_checkpoint (
    tenant        VARCHAR(64)  NOT NULL,
    checkpoint_id CHAR(36)     NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    chain_count   BIGINT       NOT NULL,
    merkle_root   CHAR(64)     NOT NULL,
    algorithm     VARCHAR(16)  NOT NULL,
    key_id        VARCHAR(128) NOT NULL,
    signature     VARCHAR(512) NOT NULL,
    CONSTRAINT consent_checkpoint_pk PRIMARY KEY (tenant, checkpoint_id)
);

ALTER TABLE consent_subject ADD COLUMN head_recorded_at TIMESTAMP WITH TIME ZONE;

UPDATE consent_subject SET head_recorded_at = l.recorded_at FROM consent_log l
    WHERE l.tenant = consent_subject.tenant AND l.subject = consent_subject.subject AND l.seq = consent_subject.head_seq;

ALTER TABLE consent_state
    ADD COLUMN status          VARCHAR(16),
    ADD COLUMN purpose_version INTEGER,
    ADD COLUMN effective_at    TIMESTAMP WITH TIME ZONE,
    ADD COLUMN expires_at      TIMESTAMP WITH TIME ZONE,
    ADD COLUMN conflict        BOOLEAN,
    ADD COLUMN seq             BIGINT;

UPDATE consent_state SET status = l.status, purpose_version = l.purpose_version, effective_at = l.effective_at,
    expires_at = l.expires_at, conflict = l.conflict, seq = l.seq
    FROM consent_log l WHERE l.entry_id = consent_state.entry_id;

ALTER TABLE consent_state
    ALTER COLUMN status SET NOT NULL,
    ALTER COLUMN purpose_version SET NOT NULL,
    ALTER COLUMN effective_at SET NOT NULL,
    ALTER COLUMN conflict SET NOT NULL,
    ALTER COLUMN seq SET NOT NULL;

CREATE INDEX consent_state_audience_ix ON consent_state (tenant, purpose_id, subject)
    INCLUDE (status, purpose_version, effective_at, expires_at, conflict, seq, entry_id);
