package dev.consentkit.jdbc.internal;

import dev.consentkit.core.SubjectId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Internal API; may change without notice. The SQL of the change feed: the PostgreSQL notification a write sends
 * inside its transaction (delivered by the server to every listener when, and only if, it commits), and the log
 * queries the polling feed runs.
 *
 * <p>A notification's payload is {@code tenant:subject} (a tenant has no colon; a subject id may), at most 64 + 1 +
 * 255 characters, well under PostgreSQL's 8000 bytes. Notifications are visible to sessions that may
 * {@code LISTEN} on the database, which may read the tables anyway.
 */
public final class ChangeNotices {

    /** PostgreSQL's longest identifier, in bytes. */
    private static final int MAX_CHANNEL = 63;

    private final Tables tables;
    private final String channel;

    public ChangeNotices(Tables tables) {
        this.tables = tables;
        this.channel = channel(tables);
    }

    /**
     * The notification channel of one set of tables: the qualified prefix in lower case with {@code .} as {@code _},
     * then {@code changes}, so that stores on other tables never hear each other; shortened with a digest when
     * longer than PostgreSQL allows.
     */
    static String channel(Tables tables) {
        String name = (tables.qualifiedPrefix().replace('.', '_') + "changes").toLowerCase(Locale.ROOT);
        if (name.length() <= MAX_CHANNEL) {
            return name;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return name.substring(0, MAX_CHANNEL - 17) + "_" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The channel this store's writes notify on. */
    public String channel() {
        return channel;
    }

    /** {@code LISTEN} on the channel. */
    public String listen() {
        return "LISTEN \"" + channel + "\"";
    }

    /** The payload naming one subject. */
    static String payload(String tenant, SubjectId subject) {
        return tenant + ":" + subject.value();
    }

    /** The tenant and subject a payload names; empty for one this store did not send. */
    public static Optional<String[]> parse(String payload) {
        int colon = payload.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        return Optional.of(new String[] {payload.substring(0, colon), payload.substring(colon + 1)});
    }

    /** Sends one notification per payload in one statement, in the caller's (the write's) transaction. */
    void send(Connection c, Collection<String> payloads) throws SQLException {
        if (payloads.isEmpty()) {
            return;
        }
        Array array = c.createArrayOf("text", payloads.toArray());
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, p) FROM unnest(?) AS p")) {
            ps.setString(1, channel);
            ps.setArray(2, array);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // pg_notify returns void: one row per payload
                }
            }
        } finally {
            array.free();
        }
    }

    /** The highest log id so far (0 for an empty log). */
    public String maxLogId() {
        return "SELECT COALESCE(MAX(log_id), 0) FROM " + tables.log();
    }

    /**
     * The log rows after {@code ?} (the highest id seen) and those among {@code gaps} ids below it not seen yet
     * (identity values can commit out of order), in id order: id, tenant, subject, kind.
     */
    public String logSince(int gaps) {
        StringBuilder sql = new StringBuilder("SELECT log_id, tenant, subject, kind FROM ")
                .append(tables.log())
                .append(" WHERE log_id > ?");
        if (gaps > 0) {
            sql.append(" OR log_id IN (");
            for (int i = 0; i < gaps; i++) {
                sql.append(i == 0 ? "?" : ", ?");
            }
            sql.append(')');
        }
        return sql.append(" ORDER BY log_id").toString();
    }
}
