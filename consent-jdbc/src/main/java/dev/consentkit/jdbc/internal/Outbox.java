package dev.consentkit.jdbc.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.jdbc.OutboxBacklog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

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

    /** How many rows wait, and how long the oldest has waited at {@code now}. */
    public OutboxBacklog backlog(Instant now) {
        return transactions.inTransaction("outboxBacklog", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.outboxBacklog());
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                long depth = rs.getLong(1);
                @Nullable Instant oldest = sql.readInstant(rs, 2);
                return new OutboxBacklog(
                        depth,
                        Optional.ofNullable(oldest)
                                .map(o -> o.isAfter(now) ? Duration.ZERO : Duration.between(o, now)));
            }
        });
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
