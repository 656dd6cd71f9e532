-- ConsentKit schema migration for MariaDB: version 2 to version 3. Plain statements with the consent_ prefix:
-- use it as a Flyway V3__ after V1__ and V2__ (the jar ships all three under db/migration/consentkit/mariadb), as a
-- Liquibase sqlFile change, or run it by hand while no ConsentKit store writes and no relay runs. Afterwards the
-- tables are exactly as schema-mariadb.sql (version 3) creates them.
-- Version 3: each outbox row carries its relay partition (the first hex digit of the MD5 of tenant, '/' and subject:
-- the store computes the same for new rows) and the event columns that change-data capture reads (empty for the
-- rows migrated here); the relay partitions; the webhook delivery log.
ALTER TABLE consent_outbox
    ADD COLUMN partition_no   SMALLINT,
    ADD COLUMN event_type     VARCHAR(64),
    ADD COLUMN aggregate_type VARCHAR(64),
    ADD COLUMN aggregate_id   VARCHAR(255),
    ADD COLUMN payload        TEXT;

UPDATE consent_outbox SET partition_no = LOCATE(SUBSTR(MD5(CONCAT(tenant, '/', subject)), 1, 1), '0123456789abcdef') - 1;

ALTER TABLE consent_outbox MODIFY partition_no SMALLINT NOT NULL;

CREATE INDEX consent_outbox_partition_ix ON consent_outbox (partition_no, outbox_id);

CREATE TABLE consent_outbox_partition (
    partition_no SMALLINT NOT NULL,
    passed_at    DATETIME(6),
    PRIMARY KEY (partition_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

INSERT INTO consent_outbox_partition (partition_no) VALUES
    (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15);

CREATE TABLE consent_webhook_delivery (
    endpoint     VARCHAR(64)  NOT NULL,
    entry_id     CHAR(36)     NOT NULL,
    attempt      INTEGER      NOT NULL,
    attempted_at DATETIME(6) NOT NULL,
    outcome      VARCHAR(16)  NOT NULL,
    http_status  INTEGER,
    detail       VARCHAR(255),
    PRIMARY KEY (endpoint, entry_id, attempt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
