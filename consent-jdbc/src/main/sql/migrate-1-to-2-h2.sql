-- ConsentKit schema migration for H2 2.x: version 1 to version 2. Plain statements with the consent_ prefix:
-- use it as a Flyway V2__ after the version-1 script as V1__ (the jar ships both under
-- db/migration/consentkit/h2), as a Liquibase sqlFile change, or run it by hand while no ConsentKit store writes.
-- Afterwards the tables are exactly as schema-h2.sql (version 2) creates them.
-- Version 2: the idempotency digest on the log, the signed-checkpoint table, the deciding columns on each
-- current-record row (copied from the log row it points at) and the head entry's time on each subject row.
ALTER TABLE consent_log ADD COLUMN command_digest CHAR(64) AFTER idempotency_key;

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

UPDATE consent_subject h SET head_recorded_at = (SELECT l.recorded_at FROM consent_log l
    WHERE l.tenant = h.tenant AND l.subject = h.subject AND l.seq = h.head_seq);

ALTER TABLE consent_state ADD COLUMN status VARCHAR(16);
ALTER TABLE consent_state ADD COLUMN purpose_version INTEGER;
ALTER TABLE consent_state ADD COLUMN effective_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE consent_state ADD COLUMN expires_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE consent_state ADD COLUMN conflict BOOLEAN;
ALTER TABLE consent_state ADD COLUMN seq BIGINT;

UPDATE consent_state s SET (status, purpose_version, effective_at, expires_at, conflict, seq) =
    (SELECT l.status, l.purpose_version, l.effective_at, l.expires_at, l.conflict, l.seq FROM consent_log l
        WHERE l.entry_id = s.entry_id);

ALTER TABLE consent_state ALTER COLUMN status SET NOT NULL;
ALTER TABLE consent_state ALTER COLUMN purpose_version SET NOT NULL;
ALTER TABLE consent_state ALTER COLUMN effective_at SET NOT NULL;
ALTER TABLE consent_state ALTER COLUMN conflict SET NOT NULL;
ALTER TABLE consent_state ALTER COLUMN seq SET NOT NULL;

CREATE INDEX consent_state_audience_ix ON consent_state (tenant, purpose_id, subject);
