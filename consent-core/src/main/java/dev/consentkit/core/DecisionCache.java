package dev.consentkit.core;

import dev.consentkit.core.internal.CachingConsentStore;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.spi.ChangeFeed;
import dev.consentkit.core.spi.CommitHook;
import dev.consentkit.core.spi.ConsentStore;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An opt-in cache of each subject's current statements in front of a {@link ConsentStore}, so that a
 * {@code check} on a subject read recently runs at in-memory speed: {@code ConsentManager.builder().cache(...)}.
 * Needs Caffeine ({@code com.github.ben-manes.caffeine:caffeine}) on the class path; consent-core declares it as an
 * optional dependency.
 *
 * <p><b>What is cached.</b> The subject's state ({@link ConsentStore#state}: current record per purpose, erased
 * flag, chain head) per tenant and subject, also "nothing stored" answers, which every check of a subject without
 * records (and every erasure lookup) needs. Preferences, history, verification and records by id are read from the
 * store as before. Writes go to the store unchanged: the chain protocol reads the locked state inside the write
 * transaction, never the cache.
 *
 * <p><b>Read-your-writes.</b> The instance that writes drops the subjects a write locked, renamed or wrote once
 * the write returns; a read that began before that cannot put its older answer back (every drop bumps a
 * generation the read compares before it stores). A write that joined the caller's transaction is not committed
 * when it returns: its subjects are read through to the store (not cached, not served) until the
 * {@link CommitHook} reports the commit, or for at most {@link Builder#maxStaleness} when no hook can tell (a
 * rolled-back transaction never reports).
 *
 * <p><b>Other instances.</b> Without a {@link ChangeFeed} the cache only knows this instance's writes: right for
 * one instance (or the in-memory store), and for several instances stale for up to {@link Builder#maxStaleness}.
 * With a feed, other instances' commits drop the subjects they changed as soon as the feed delivers them; while
 * the feed is not delivering (before it first connects, after it lost its connection, while a poll fails) the
 * cache is bypassed: every read goes to the store, nothing is served from memory. When the feed is back,
 * everything cached is dropped.
 *
 * <p>Entries also expire {@link Builder#maxStaleness} after they were read from the store, whatever the feed says:
 * the bound on staleness should a change be missed without the feed noticing.
 */
public final class DecisionCache {

    /** The default bound on how long an entry is kept after it was read: one minute. */
    public static final Duration DEFAULT_MAX_STALENESS = Duration.ofMinutes(1);

    /** The default number of subjects kept: 100,000. */
    public static final long DEFAULT_MAX_SIZE = 100_000;

    private final long maxSize;
    private final Duration maxStaleness;
    private final @Nullable ChangeFeed changeFeed;

    private DecisionCache(Builder b) {
        this.maxSize = b.maxSize;
        this.maxStaleness = b.maxStaleness;
        this.changeFeed = b.changeFeed;
    }

    /** A builder; every setting has a default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A cache with the defaults and no change feed: for one instance, or the in-memory store. */
    public static DecisionCache withDefaults() {
        return builder().build();
    }

    /** How many subjects are kept at most (least recently used go first). */
    public long maxSize() {
        return maxSize;
    }

    /** How long an entry is kept after it was read from the store, at most. */
    public Duration maxStaleness() {
        return maxStaleness;
    }

    /** Where other instances' changes come from; empty for a cache that only knows its own writes. */
    public Optional<ChangeFeed> changeFeed() {
        return Optional.ofNullable(changeFeed);
    }

    /**
     * {@code store} behind this cache: what {@code ConsentManager.builder().cache(...)} does. Each call makes a cache
     * of its own (subscribed to the change feed, if any). Without a commit hook, see {@link #wrap(ConsentStore,
     * CommitHook)}.
     */
    public ConsentStore wrap(ConsentStore store) {
        return new CachingConsentStore(Checks.notNull(store, "store"), maxSize, maxStaleness, changeFeed, null);
    }

    /**
     * {@code store} behind this cache, told through {@code commitHook} when a write that joined the caller's
     * transaction commits (so that its subjects are cached again at once, not after {@link #maxStaleness()}).
     */
    public ConsentStore wrap(ConsentStore store, @Nullable CommitHook commitHook) {
        return new CachingConsentStore(Checks.notNull(store, "store"), maxSize, maxStaleness, changeFeed, commitHook);
    }

    /** Builds a {@link DecisionCache}. */
    public static final class Builder {
        private long maxSize = DEFAULT_MAX_SIZE;
        private Duration maxStaleness = DEFAULT_MAX_STALENESS;
        private @Nullable ChangeFeed changeFeed;

        private Builder() {}

        /** How many subjects are kept at most; default 100,000. At least 1. */
        public Builder maxSize(long maxSize) {
            Checks.check(maxSize >= 1, "maxSize", "must be at least 1");
            this.maxSize = maxSize;
            return this;
        }

        /**
         * How long an entry is kept after it was read from the store, at most, whatever the change feed says; default
         * one minute. Positive.
         */
        public Builder maxStaleness(Duration maxStaleness) {
            Checks.notNull(maxStaleness, "maxStaleness");
            Checks.check(!maxStaleness.isNegative() && !maxStaleness.isZero(), "maxStaleness", "must be positive");
            this.maxStaleness = maxStaleness;
            return this;
        }

        /** Where other application instances' changes come from; none by default (see {@link DecisionCache}). */
        public Builder changeFeed(ChangeFeed changeFeed) {
            this.changeFeed = Checks.notNull(changeFeed, "changeFeed");
            return this;
        }

        /**
         * Builds the settings (nothing is cached until a store is wrapped).
         *
         * @throws IllegalStateException if Caffeine is not on the class path
         */
        public DecisionCache build() {
            try {
                Class.forName(
                        "com.github.benmanes.caffeine.cache.Caffeine", false, DecisionCache.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(
                        "The decision cache needs com.github.ben-manes.caffeine:caffeine on the class path", e);
            }
            return new DecisionCache(this);
        }
    }
}
