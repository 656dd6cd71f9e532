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
 * Internal API; may change without notice. The outbox table as a relay reads it: the relay locks some of the 16
 * partitions (each subject's rows are in one), reads their rows in id order inside its transaction and deletes them
 * once delivered.
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

    /**
     * Locks up to {@code limit} relay partitions no other relay holds, until the transaction ends, and returns
     * them; empty when every partition is held elsewhere.
     */
    public List<Integer> lockPartitions(Connection c, int limit) throws SQLException {
        List<Integer> held = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.claimOutboxPartitions(limit));
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                held.add(rs.getInt(1));
            }
        }
        return held;
    }

    /** Up to {@code limit} rows of the held partitions, in outbox order. */
    public List<Pending> inPartitions(Connection c, List<Integer> partitions, int limit) throws SQLException {
        List<Pending> pending = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.outboxInPartitions(partitions.size(), limit))) {
            for (int i = 0; i < partitions.size(); i++) {
                ps.setInt(i + 1, partitions.get(i));
            }
            StoreQueries.run(ps, rs -> pending.add(new Pending(rs.getLong("outbox_id"), rows.read(rs))));
        }
        return pending;
    }

    /** Records that a relay finished a pass over the partitions at {@code now}, so others get their turn first. */
    public void passed(Connection c, List<Integer> partitions, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.outboxPartitionPassed())) {
            for (int partition : partitions) {
                sql.bindInstant(ps, 1, now);
                ps.setInt(2, partition);
                ps.addBatch();
            }
            ps.executeBatch();
        }
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
