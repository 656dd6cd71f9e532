package dev.consentkit.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Internal API; may change without notice. PostgreSQL: what differs from {@link SqlStatements}. */
final class PostgresSqlStatements extends SqlStatements {

    // timestamptz runs from 4713 BC to the year 294276, but the driver reads its first instant back as another one
    // (-infinity), so the range this store vouches for starts with the year 1, which no consent predates
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("+294276-12-31T23:59:59.999999Z");

    PostgresSqlStatements(Tables tables) {
        super(tables);
    }

    /** The driver's {@code logServerErrorDetail} property, on by default. */
    @Override
    public boolean driverQuotesBoundValues(Connection c) throws SQLException {
        return PostgresStatements.quotesBoundValues(c);
    }

    @Override
    public Instant earliestStorable() {
        return EARLIEST;
    }

    @Override
    public Instant latestStorable() {
        return LATEST;
    }

    @Override
    protected void beforeArrayQuery(PreparedStatement ps) throws SQLException {
        PostgresStatements.planForEachExecution(ps);
    }

    /**
     * Planned for its actual arguments on every execution: a generic plan made while the log was still empty (and
     * never analysed) finds the key by filtering the whole tenant through another of the log's indexes, so keyed
     * writes slowed down as the log grew (1,075 writes/s decaying to 180/s at 100,000 rows).
     */
    @Override
    protected void beforeKeyLookup(PreparedStatement ps) throws SQLException {
        PostgresStatements.planForEachExecution(ps);
    }

    /**
     * An audience of subjects with a record: one index-only scan of the audience index per purpose, each in subject
     * order (a subquery the planner keeps apart, so that its tenant and purpose are constants of its own scan),
     * merged by subject (Merge Append). The base statement's {@code purpose_id IN (...)} over the same index cannot
     * come out in subject order, so PostgreSQL walked the whole tenant's primary key and its rows instead (1.0 s
     * against 0.6 s for an audience of 1,000,000 subjects on two purposes).
     */
    @Override
    String audience(int purposes, boolean everySubject) {
        if (everySubject) {
            return super.audience(purposes, true);
        }
        StringBuilder union = new StringBuilder();
        for (int i = 0; i < purposes; i++) {
            union.append(i == 0 ? "(" : " UNION ALL (")
                    .append("SELECT d.tenant, d.subject, ")
                    .append(DECIDING_COLUMNS)
                    .append(" FROM ")
                    .append(decidingState())
                    .append(" d WHERE d.tenant = ? AND d.purpose_id = ? ORDER BY d.subject OFFSET 0)");
        }
        return "SELECT u.subject, " + DECIDING_COLUMNS.replace("d.", "u.") + ", CASE WHEN u.subject LIKE '"
                + PSEUDONYM_PREFIX + "%' THEN (SELECT h.erased FROM " + tables.subject() + " h WHERE h.tenant ="
                + " u.tenant AND h.subject = u.subject) ELSE FALSE END AS erased FROM (" + union + ") u"
                + " ORDER BY u.subject";
    }

    /** Each purpose's subquery binds the tenant and its purpose. */
    @Override
    List<String> audienceParameters(String tenant, List<String> purposes, boolean everySubject) {
        if (everySubject) {
            return super.audienceParameters(tenant, purposes, true);
        }
        List<String> params = new ArrayList<>(2 * purposes.size());
        for (String p : purposes) {
            params.add(tenant);
            params.add(p);
        }
        return params;
    }

    /** {@code SET LOCAL}: the timeout ends with the transaction. */
    @Override
    public void beganTransaction(Connection c, Duration lockTimeout) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL lock_timeout = " + lockTimeout.toMillis());
        }
    }

    /** The database's collation may order text otherwise; {@code "C"} orders by bytes. */
    @Override
    protected String inByteOrder(String column) {
        return column + " COLLATE \"C\"";
    }

    @Override
    String insertSubjectIfAbsent() {
        return "INSERT INTO " + tables.subject() + " (tenant, subject, head_seq, head_hash, erased)"
                + " VALUES (?, ?, 0, '" + NO_HEAD_HASH + "', FALSE) ON CONFLICT DO NOTHING";
    }

    /** One statement for all subjects, from an array, returning the subjects whose rows it inserted. */
    @Override
    String insertSubjectsIfAbsentReturning() {
        return "INSERT INTO " + tables.subject() + " (tenant, subject, head_seq, head_hash, erased)"
                + " SELECT ?, s, 0, '" + NO_HEAD_HASH + "', FALSE FROM unnest(CAST(? AS VARCHAR[])) AS s"
                + " ON CONFLICT DO NOTHING RETURNING subject";
    }

    /** One {@code UPDATE ... FROM unnest(...)}: the server runs one statement instead of one per row. */
    @Override
    String updateSubjectsFromArrays() {
        return "UPDATE " + tables.subject() + " h SET head_seq = v.seq, head_hash = v.hash, erased = v.erased,"
                + " head_recorded_at = CAST(v.recorded AS TIMESTAMP WITH TIME ZONE)"
                + " FROM unnest(CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), CAST(? AS BIGINT[]), CAST(? AS VARCHAR[]),"
                + " CAST(? AS BOOLEAN[]), CAST(? AS TEXT[])) AS v(tenant, subject, seq, hash, erased, recorded)"
                + " WHERE h.tenant = v.tenant AND h.subject = v.subject";
    }

    /** Lets the optional log-protection trigger allow this transaction's updates. */
    @Override
    public void beforeErasure(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL consentkit.erasure = 'on'");
        }
    }

    @Override
    public boolean hasLogProtection() {
        return true;
    }

    /** The function is qualified by the schema like the tables; the trigger only carries the prefix. */
    @Override
    String logProtectionScript(String shipped) {
        return shipped.replace("FUNCTION consent_log_protect", "FUNCTION " + tables.qualifiedPrefix() + "log_protect")
                .replace("TRIGGER consent_log_protect", "TRIGGER " + tables.prefix() + "log_protect")
                .replace("ON consent_log", "ON " + tables.log());
    }
}
