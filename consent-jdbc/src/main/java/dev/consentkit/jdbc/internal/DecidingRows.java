package dev.consentkit.jdbc.internal;

import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.spi.DecidingRecord;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. Reads the deciding values ({@link SqlStatements#DECIDING_COLUMNS}) of
 * one result set, its column positions looked up once; purpose ids are the ones asked for, not parsed per row.
 */
final class DecidingRows {

    private final SqlStatements sql;
    private final Map<String, PurposeId> purposes = new HashMap<>();
    private final int subject;
    private final int purpose;
    private final int status;
    private final int purposeVersion;
    private final int effectiveAt;
    private final int expiresAt;
    private final int seq;

    DecidingRows(SqlStatements sql, ResultSet rs, Collection<PurposeId> asked) throws SQLException {
        this.sql = sql;
        asked.forEach(p -> purposes.put(p.value(), p));
        this.subject = rs.findColumn("subject");
        this.purpose = rs.findColumn("purpose_id");
        this.status = rs.findColumn("status");
        this.purposeVersion = rs.findColumn("purpose_version");
        this.effectiveAt = rs.findColumn("effective_at");
        this.expiresAt = rs.findColumn("expires_at");
        this.seq = rs.findColumn("seq");
    }

    /** The row's subject id as stored. */
    String subject(ResultSet rs) throws SQLException {
        return rs.getString(subject);
    }

    /** The row's deciding values, or null where the row has no record (a subject without one, left-joined). */
    @Nullable
    DecidingRecord read(ResultSet rs) throws SQLException {
        String p = rs.getString(purpose);
        if (p == null) {
            return null;
        }
        PurposeId id = purposes.computeIfAbsent(p, PurposeId::of);
        Instant effective = sql.readInstant(rs, effectiveAt);
        if (effective == null) {
            throw new IllegalStateException("a consent row without effective time");
        }
        return new DecidingRecord(
                id,
                rs.getInt(purposeVersion),
                ConsentStatus.valueOf(rs.getString(status)),
                effective,
                Optional.ofNullable(sql.readInstant(rs, expiresAt)),
                rs.getLong(seq));
    }
}
