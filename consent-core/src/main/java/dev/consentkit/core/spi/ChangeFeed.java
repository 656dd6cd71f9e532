package dev.consentkit.core.spi;

import dev.consentkit.core.SubjectId;

/**
 * Tells a {@link dev.consentkit.core.DecisionCache decision cache} which subjects other application instances
 * changed in the shared store, so that it drops what it holds about them. The JDBC module's
 * {@code JdbcChangeFeed} implements it with PostgreSQL {@code LISTEN/NOTIFY} or by polling the log.
 *
 * <p>A feed must say when it may have missed changes ({@link Listener#lost()}: its connection broke, a poll
 * failed) and when it delivers again ({@link Listener#live()}); between the two the cache serves nothing it holds
 * and reads through to the store, so that a missed change is never answered from memory. A feed is {@code live}
 * only once every change committed after that moment will be delivered.
 */
public interface ChangeFeed {

    /**
     * Starts delivering changes to {@code listener} (on a thread of the feed's own). A feed that is delivering
     * already calls {@link Listener#live()} at once; otherwise it calls it when it is. Must not block on the store.
     *
     * @return closing it stops the deliveries to this listener
     */
    Subscription subscribe(Listener listener);

    /** Receives the changes of a {@link ChangeFeed}; called from the feed's thread, must return quickly. */
    interface Listener {

        /** The subject's statements may have changed (a write to it committed). */
        void changed(String tenant, SubjectId subject);

        /** Any subject of the tenant may have changed (for example an erasure, which renames a subject's rows). */
        void tenantChanged(String tenant);

        /** From now on changes may be missed: the listener must not trust what it holds until {@link #live()}. */
        void lost();

        /**
         * Every change committed from now on will be delivered; what was committed before may have been missed,
         * so the listener drops everything it holds.
         */
        void live();
    }

    /** Stops the deliveries to one listener. */
    interface Subscription extends AutoCloseable {

        @Override
        void close();
    }
}
