package dev.consentkit.jdbc;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.spi.ConsentListener;
import dev.consentkit.jdbc.internal.Outbox;
import dev.consentkit.jdbc.internal.OutboxPartitions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the JDBC store's outbox table to a {@link ConsentListener} in this JVM or to an {@link OutboxPublisher}
 * (Kafka, RabbitMQ, webhooks): every committed entry (never a rolled-back one, since outbox rows commit with the
 * entries) is delivered at least once, in chain order per subject, also after an application restart between
 * write and delivery. An outbox row is deleted only after the listener returned or the publisher's engine
 * acknowledged it; if the process dies in between, the entry is delivered again, so downstream systems
 * de-duplicate by the entry id, which never changes.
 *
 * <p>Run one relay per application instance, on as many instances as you like: the outbox is split into 16
 * partitions by subject, and each pass locks the partitions it drains ({@code FOR UPDATE SKIP LOCKED} on
 * PostgreSQL, MariaDB and MySQL; on H2 a second relay waits), so instances share the work, never send one entry
 * concurrently, and keep each subject's order. One relay configuration drains the outbox: to reach several
 * engines, use one publisher that fans out, or Debezium beside a relay that only cleans up.
 *
 * <p>A listener that throws for an entry is retried with exponential back-off (1 s doubling up to 5 min by
 * default); meanwhile that subject's later entries wait, and other subjects are delivered. A publisher that throws
 * fails its whole batch, and the relay backs off as a whole before offering it again.
 *
 * <pre>{@code
 * OutboxRelay relay = OutboxRelay.builder(store).listener(entry -> crm.send(entry)).build();
 * relay.start(Duration.ofSeconds(1));   // or call relay.deliverPending() from your own scheduler
 * ...
 * relay.close();
 * }</pre>
 */
public final class OutboxRelay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    /** The back-off key of a publisher relay, which backs off as a whole. */
    private static final String RELAY = "";

    private final Outbox outbox;
    private final @Nullable ConsentListener listener;
    private final @Nullable OutboxPublisher publisher;
    private final String name;
    private final int batchSize;
    private final int partitionsPerPass;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Clock clock;
    private final Map<String, Backoff> backoffs = new HashMap<>();
    private @Nullable ScheduledExecutorService scheduler;

    private OutboxRelay(Builder b) {
        this.outbox = b.store.outbox();
        this.listener = b.listener;
        this.publisher = b.publisher;
        this.name = b.name;
        this.batchSize = b.batchSize;
        this.partitionsPerPass = b.partitionsPerPass;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.clock = b.clock;
    }

    /** A builder for a relay on {@code store}'s outbox; it needs a {@link Builder#listener} or a publisher. */
    public static Builder builder(JdbcConsentStore store) {
        return new Builder(Checks.notNull(store, "store"));
    }

    /**
     * One pass: delivers up to the batch size of pending entries in outbox order and deletes the delivered rows in
     * the same transaction. Returns how many were delivered.
     *
     * <p>To a listener, entry by entry, skipping subjects that are backing off. To a publisher, as one batch: if it
     * throws, nothing is deleted, the relay backs off as a whole, and the same batch (with more after it) is
     * offered again when the back-off has passed.
     */
    public synchronized int deliverPending() {
        Instant now = clock.instant();
        OutboxPublisher publisher = this.publisher;
        if (publisher != null && !due(RELAY, now)) {
            return 0;
        }
        try {
            int delivered = outbox.inTransaction("deliverOutbox", c -> {
                List<Integer> partitions = outbox.lockPartitions(c, partitionsPerPass);
                if (partitions.isEmpty()) {
                    return 0; // other relays hold every partition
                }
                List<Outbox.Pending> pending = outbox.inPartitions(c, partitions, batchSize);
                List<Long> done = publisher != null ? publish(publisher, pending) : deliver(pending, now);
                outbox.delete(c, done);
                outbox.passed(c, partitions, now);
                return done.size();
            });
            if (publisher != null) {
                backoffs.remove(RELAY);
            }
            return delivered;
        } catch (PublishFailedException e) {
            Backoff b = backoffs.merge(
                    RELAY,
                    new Backoff(1, now.plus(initialBackoff)),
                    (old, x) -> old.next(now, initialBackoff, maxBackoff));
            if (b.attempts == 1) {
                log.warn(
                        "Outbox relay {}: publishing failed; offering the batch again after {}",
                        name,
                        b.notBefore,
                        e.failure());
            } else { // a long outage: one line per attempt, the stack trace was logged at the first
                log.warn(
                        "Outbox relay {}: publishing failed again (attempt {}: {}); next attempt after {}",
                        name,
                        b.attempts,
                        e.failure().getClass().getName(),
                        b.notBefore);
            }
            return 0;
        }
    }

    /** To the listener, entry by entry; a subject whose delivery failed waits, with its later entries. */
    private List<Long> deliver(List<Outbox.Pending> pending, Instant now) {
        ConsentListener listener = Objects.requireNonNull(this.listener);
        Set<String> waiting = new HashSet<>();
        List<Long> delivered = new ArrayList<>();
        for (Outbox.Pending p : pending) {
            AuditEntry entry = p.entry();
            String subject = entry.tenant() + '\u0000' + entry.subject().value();
            if (waiting.contains(subject) || !due(subject, now)) {
                waiting.add(subject); // keep this subject's order: its later entries wait too
                continue;
            }
            try {
                listener.onCommitted(entry);
                backoffs.remove(subject);
                delivered.add(p.outboxId());
            } catch (RuntimeException e) {
                waiting.add(subject);
                Backoff b = backoffs.merge(
                        subject,
                        new Backoff(1, now.plus(initialBackoff)),
                        (old, x) -> old.next(now, initialBackoff, maxBackoff));
                log.warn(
                        "Outbox delivery of entry {} failed (attempt {}); retrying after {}",
                        entry.id(),
                        b.attempts,
                        b.notBefore,
                        e);
            }
        }
        return delivered;
    }

    /** To the publisher, as one batch; a failure rolls the pass back, so nothing is taken off the outbox. */
    private static List<Long> publish(OutboxPublisher publisher, List<Outbox.Pending> pending) {
        if (pending.isEmpty()) {
            return List.of();
        }
        List<AuditEntry> entries = new ArrayList<>(pending.size());
        List<Long> ids = new ArrayList<>(pending.size());
        for (Outbox.Pending p : pending) {
            entries.add(p.entry());
            ids.add(p.outboxId());
        }
        try {
            publisher.publish(List.copyOf(entries));
        } catch (Exception e) {
            throw new PublishFailedException(e);
        }
        return ids;
    }

    /** How many entries wait in the outbox, and since when the oldest of them. */
    public OutboxBacklog backlog() {
        return outbox.backlog(clock.instant());
    }

    /** The relay's name, as set on its builder (for logs and metrics). */
    public String name() {
        return name;
    }

    private boolean due(String subject, Instant now) {
        Backoff b = backoffs.get(subject);
        return b == null || !now.isBefore(b.notBefore);
    }

    /** Calls {@link #deliverPending()} every {@code interval} on a daemon thread until {@link #close()}. */
    public synchronized void start(Duration interval) {
        if (scheduler != null) {
            throw new IllegalStateException("already started");
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "consentkit-outbox-relay-" + name);
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(
                () -> {
                    try {
                        while (deliverPending() > 0) {
                            // more may be waiting, in these partitions or the next ones
                        }
                    } catch (RuntimeException e) {
                        log.warn("Outbox pass failed; trying again in {}", interval, e);
                    }
                },
                0,
                interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Stops the polling thread, waiting up to ten seconds for a running pass. */
    @Override
    public void close() {
        ScheduledExecutorService s;
        synchronized (this) {
            s = scheduler;
            scheduler = null;
        }
        if (s != null) {
            s.shutdown();
            try {
                s.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Carries a publisher's failure out of the transaction, which it rolls back. */
    private static final class PublishFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final Exception failure;

        PublishFailedException(Exception failure) {
            super(failure);
            this.failure = failure;
        }

        Exception failure() {
            return failure;
        }
    }

    private record Backoff(int attempts, Instant notBefore) {
        Backoff next(Instant now, Duration initial, Duration max) {
            Duration delay = initial.multipliedBy(1L << Math.min(attempts, 20));
            return new Backoff(attempts + 1, now.plus(delay.compareTo(max) > 0 ? max : delay));
        }
    }

    /** Builds an {@link OutboxRelay}. */
    public static final class Builder {
        private final JdbcConsentStore store;
        private @Nullable ConsentListener listener;
        private @Nullable OutboxPublisher publisher;
        private String name = "outbox";
        private int batchSize = 100;
        private int partitionsPerPass = 4;
        private Duration initialBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofMinutes(5);
        private Clock clock = Clock.systemUTC();

        private Builder(JdbcConsentStore store) {
            this.store = store;
        }

        /** Receives each entry, in this JVM; give a listener or a {@link #publisher}, not both. */
        public Builder listener(ConsentListener listener) {
            this.listener = Checks.notNull(listener, "listener");
            return this;
        }

        /**
         * Publishes batches of entries to an engine that acknowledges them (Kafka, RabbitMQ, webhooks); give a
         * publisher or a {@link #listener}, not both.
         */
        public Builder publisher(OutboxPublisher publisher) {
            this.publisher = Checks.notNull(publisher, "publisher");
            return this;
        }

        /** The relay's name in logs, metrics and health; default {@code outbox}. */
        public Builder name(String name) {
            Checks.notBlank(name, "name");
            Checks.check(name.length() <= 64, "name", "must be at most 64 characters");
            this.name = name;
            return this;
        }

        /** Entries delivered per pass at most; default 100. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * How many of the outbox's 16 partitions one pass locks and drains; default 4. Relays on several instances
         * lock different partitions ({@code FOR UPDATE SKIP LOCKED}), so they share the work, and a subject's
         * entries (always in one partition) still go out in chain order. 16 makes a single relay take everything
         * in one pass.
         */
        public Builder partitionsPerPass(int partitionsPerPass) {
            this.partitionsPerPass = partitionsPerPass;
            return this;
        }

        /** First wait after a failed delivery, doubled per further failure; default 1 s. */
        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = Checks.notNull(initialBackoff, "initialBackoff");
            return this;
        }

        /** Longest wait between attempts; default 5 min. */
        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = Checks.notNull(maxBackoff, "maxBackoff");
            return this;
        }

        /** The clock for back-off; default {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            this.clock = Checks.notNull(clock, "clock");
            return this;
        }

        /**
         * Builds the relay.
         *
         * @throws InvalidConsentRequestException naming the missing or invalid property
         */
        public OutboxRelay build() {
            Checks.check(listener != null || publisher != null, "listener", "a listener or a publisher is required");
            Checks.check(
                    listener == null || publisher == null, "publisher", "give a listener or a publisher, not both");
            Checks.check(batchSize >= 1, "batchSize", "must be at least 1");
            Checks.check(
                    partitionsPerPass >= 1 && partitionsPerPass <= OutboxPartitions.COUNT,
                    "partitionsPerPass",
                    "must be between 1 and " + OutboxPartitions.COUNT);
            Checks.check(
                    !initialBackoff.isNegative() && maxBackoff.compareTo(initialBackoff) >= 0,
                    "initialBackoff",
                    "must not be negative nor above maxBackoff");
            return new OutboxRelay(this);
        }
    }
}
