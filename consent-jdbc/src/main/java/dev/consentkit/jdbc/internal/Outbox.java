package dev.consentkit.jdbc.internal;

import dev.consentkit.core.AuditEntry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Internal API; may change without notice. The outbox table as a relay reads it: rows claimed in id order inside
 * the relay's transaction, deleted once delivered.
 */
public final class Outbox {

    private final Transactions transactions;
    private final SqlStatements sql;
    private final EntryRows rows;

    public Outbox(Transactions transactions, SqlStatements sql, EntryRows rows) {
        this.transactions = transactions;
        this.sql = sql;
        this.rows = rows;
    }

    /** One pending outbox row and its entry. */
    public record Pending(long outboxId, AuditEntry entry) {}

    /** Runs a relay pass in one transaction of the store. */
    public <T> T inTransaction(String operation, SqlWork<T> work) {
        return transactions.inTransaction(operation, work);
    }

    /** Up to {@code limit} pending rows after {@code afterId}, in id order, claimed against other relays. */
    public List<Pending> claim(Connection c, long afterId, int limit) throws SQLException {
        List<Pending> pending = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.claimOutbox(limit))) {
            ps.setLong(1, afterId);
            StoreQueries.run(ps, rs -> pending.add(new Pending(rs.getLong("outbox_id"), rows.read(rs))));
        }
        return pending;
    }

    /** Deletes delivered rows. */
    public void delete(Connection c, List<Long> outboxIds) throws SQLException {
        if (outboxIds.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql.deleteOutbox())) {
            for (long id : outboxIds) {
                ps.setLong(1, id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
