package dev.consentkit.benchmarks;

import dev.consentkit.core.ChainLink;
import dev.consentkit.jdbc.internal.OutboxPartitions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * The raw JDBC baselines for writes: the rows ConsentKit writes (log, outbox, state, chain head), by hand, with
 * constant hashes and no validation, in one transaction. Works on PostgreSQL ({@code schema.consent_*}) and
 * MariaDB ({@code <prefix>consent_*}).
 */
final class RawJdbc {

    private final String p;
    private final boolean offsetTimestamps;
    private final String insertLog;
    private final String insertOutbox;

    /**
     * @param tablePrefix      what comes before {@code log}, {@code state}, ...: {@code "schema.consent_"} on
     *                         PostgreSQL, the store's table prefix (which replaces {@code consent_}) on MariaDB
     * @param offsetTimestamps bind times as {@link OffsetDateTime} (PostgreSQL) or UTC {@link LocalDateTime}
     */
    RawJdbc(String tablePrefix, boolean offsetTimestamps) {
        this.p = tablePrefix;
        this.offsetTimestamps = offsetTimestamps;
        this.insertLog = "INSERT INTO " + p + "log (entry_id, tenant, subject, seq, kind, recorded_at, purpose_id,"
                + " purpose_version, status, effective_at, conflict, source, collection_point, notice_version, locale,"
                + " actor_type, personal_digest, prev_hash, hash)"
                + " VALUES (?, ?, ?, ?, 'consent', ?, ?, 1, ?, ?, false, 'WEB', 'signup-form-v3', '2026-01', 'de-DE',"
                + " 'SUBJECT', ?, ?, ?)";
        this.insertOutbox = "INSERT INTO " + p
                + "outbox (tenant, subject, entry_id, seq, created_at, partition_no) VALUES (?, ?, ?, ?, ?, ?)";
    }

    private Object time(Instant now) {
        return offsetTimestamps
                ? OffsetDateTime.ofInstant(now, ZoneOffset.UTC)
                : LocalDateTime.ofInstant(now, ZoneOffset.UTC);
    }

    /** One choice of an existing subject: lock the head, append log and outbox, move state and head, commit. */
    void recordOne(Connection c, String tenant, String subject, String purpose, String status) throws SQLException {
        c.setAutoCommit(false);
        try {
            long seq;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT head_seq, head_hash FROM " + p + "subject WHERE tenant = ? AND subject = ? FOR UPDATE")) {
                ps.setString(1, tenant);
                ps.setString(2, subject);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("raw baseline: no seeded subject in tenant " + tenant);
                    }
                    seq = rs.getLong(1) + 1;
                }
            }
            String id = UUID.randomUUID().toString();
            Object now = time(Instant.now());
            try (PreparedStatement ps = c.prepareStatement(insertLog)) {
                ps.setString(1, id);
                ps.setString(2, tenant);
                ps.setString(3, subject);
                ps.setLong(4, seq);
                ps.setObject(5, now);
                ps.setString(6, purpose);
                ps.setString(7, status);
                ps.setObject(8, now);
                ps.setString(9, ChainLink.GENESIS);
                ps.setString(10, ChainLink.GENESIS);
                ps.setString(11, ChainLink.GENESIS);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(insertOutbox)) {
                ps.setString(1, tenant);
                ps.setString(2, subject);
                ps.setString(3, id);
                ps.setLong(4, seq);
                ps.setObject(5, now);
                ps.setInt(6, OutboxPartitions.of(tenant, subject));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + p + "state SET entry_id = ?, status = ?,"
                    + " purpose_version = 1, effective_at = ?, expires_at = NULL, conflict = false, seq = ?"
                    + " WHERE tenant = ? AND subject = ? AND purpose_id = ?")) {
                ps.setString(1, id);
                ps.setString(2, status);
                ps.setObject(3, now);
                ps.setLong(4, seq);
                ps.setString(5, tenant);
                ps.setString(6, subject);
                ps.setString(7, purpose);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + p + "subject SET head_seq = ?, head_hash = ?,"
                    + " head_recorded_at = ? WHERE tenant = ? AND subject = ?")) {
                ps.setLong(1, seq);
                ps.setString(2, ChainLink.GENESIS);
                ps.setObject(3, now);
                ps.setString(4, tenant);
                ps.setString(5, subject);
                ps.executeUpdate();
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Grants of new subjects on one purpose: the same four rows per record with JDBC batches, one transaction. */
    void insertBatch(Connection c, String tenant, List<String> subjects, String purpose) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement log = c.prepareStatement(insertLog);
                PreparedStatement outbox = c.prepareStatement(insertOutbox);
                PreparedStatement state = c.prepareStatement("INSERT INTO " + p + "state (tenant, subject, purpose_id,"
                        + " entry_id, status, purpose_version, effective_at, conflict, seq)"
                        + " VALUES (?, ?, ?, ?, 'GRANTED', 1, ?, false, 1)");
                PreparedStatement head = c.prepareStatement("INSERT INTO " + p + "subject (tenant, subject, head_seq,"
                        + " head_hash, erased, head_recorded_at) VALUES (?, ?, 1, ?, false, ?)")) {
            Object now = time(Instant.now());
            for (String s : subjects) {
                String id = UUID.randomUUID().toString();
                log.setString(1, id);
                log.setString(2, tenant);
                log.setString(3, s);
                log.setLong(4, 1);
                log.setObject(5, now);
                log.setString(6, purpose);
                log.setString(7, "GRANTED");
                log.setObject(8, now);
                log.setString(9, ChainLink.GENESIS);
                log.setString(10, ChainLink.GENESIS);
                log.setString(11, ChainLink.GENESIS);
                log.addBatch();
                outbox.setString(1, tenant);
                outbox.setString(2, s);
                outbox.setString(3, id);
                outbox.setLong(4, 1);
                outbox.setObject(5, now);
                outbox.setInt(6, OutboxPartitions.of(tenant, s));
                outbox.addBatch();
                state.setString(1, tenant);
                state.setString(2, s);
                state.setString(3, purpose);
                state.setString(4, id);
                state.setObject(5, now);
                state.addBatch();
                head.setString(1, tenant);
                head.setString(2, s);
                head.setString(3, ChainLink.GENESIS);
                head.setObject(4, now);
                head.addBatch();
            }
            log.executeBatch();
            outbox.executeBatch();
            state.executeBatch();
            head.executeBatch();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }
}
