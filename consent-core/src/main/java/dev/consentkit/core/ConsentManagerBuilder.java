package dev.consentkit.core;

import dev.consentkit.core.internal.ChainTimeline;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.spi.CommitHook;
import dev.consentkit.core.spi.ConsentListener;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.DecisionObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link ConsentManager}: {@link ConsentManager#builder()}. Setters are named like what they set; {@link
 * #purposes} is required, everything else has a default; {@code build()} validates and touches no store.
 */
public final class ConsentManagerBuilder {
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    final List<Purpose> purposes = new ArrayList<>();

    @Nullable
    ConsentStore store;

    Clock clock = Clock.systemUTC();
    EvidencePolicy evidencePolicy = EvidencePolicy.defaults();
    final List<ConsentListener> listeners = new ArrayList<>();

    @Nullable
    CommitHook commitHook;

    @Nullable
    DecisionObserver decisionObserver;

    @Nullable
    DecisionCache cache;

    String tenant = "default";
    final Map<String, PreferenceDefinition> preferences = new LinkedHashMap<>();
    byte @Nullable [] pseudonymKey;
    Duration maxClockSkew = ChainTimeline.DEFAULT_MAX_CLOCK_SKEW;

    @Nullable
    CheckpointKey checkpointKey;

    Duration checkpointGrace = Duration.ofMinutes(1);

    ConsentManagerBuilder() {}

    /** Declares purposes; several versions of one purpose may be given. */
    public ConsentManagerBuilder purposes(Purpose... purposes) {
        return purposes(Arrays.asList(Checks.notNull(purposes, "purposes")));
    }

    /** Declares purposes; several versions of one purpose may be given. */
    public ConsentManagerBuilder purposes(Collection<Purpose> purposes) {
        Checks.notNull(purposes, "purposes").forEach(p -> this.purposes.add(Checks.notNull(p, "purposes")));
        return this;
    }

    /**
     * The store; defaults to a new {@link InMemoryConsentStore} (the manager then warns once that it keeps
     * choices in memory only). Building touches no store: purposes are saved before the first write.
     */
    public ConsentManagerBuilder store(ConsentStore store) {
        this.store = Checks.notNull(store, "store");
        return this;
    }

    /** The clock for every timestamp; defaults to {@link Clock#systemUTC()}. */
    public ConsentManagerBuilder clock(Clock clock) {
        this.clock = Checks.notNull(clock, "clock");
        return this;
    }

    /**
     * How far this manager's clock may lag behind the other writers of its store before a write that had to be
     * stamped later is counted in {@link ConsentManager#clockSkewCorrections()} and logged; defaults to 5
     * seconds. The write is stamped in order either way.
     */
    public ConsentManagerBuilder maxClockSkew(Duration maxClockSkew) {
        Checks.notNull(maxClockSkew, "maxClockSkew");
        Checks.check(!maxClockSkew.isNegative(), "maxClockSkew", "must not be negative");
        this.maxClockSkew = maxClockSkew;
        return this;
    }

    /** How IP addresses and user agents are minimised; defaults to {@link EvidencePolicy#defaults()}. */
    public ConsentManagerBuilder evidencePolicy(EvidencePolicy evidencePolicy) {
        this.evidencePolicy = Checks.notNull(evidencePolicy, "evidencePolicy");
        return this;
    }

    /** Adds a listener for committed entries. */
    public ConsentManagerBuilder listener(ConsentListener listener) {
        this.listeners.add(Checks.notNull(listener, "listener"));
        return this;
    }

    /**
     * Bridges to the application's transaction manager so that listeners hear of a write made inside the
     * caller's transaction only after that transaction commits (see {@link CommitHook}). Optional: without
     * it, listeners are called at once for writes the store committed itself and not at all for writes in a
     * caller's transaction.
     */
    public ConsentManagerBuilder commitHook(CommitHook commitHook) {
        this.commitHook = Checks.notNull(commitHook, "commitHook");
        return this;
    }

    /**
     * Caches each subject's current statements in front of the store, so that repeated checks of a subject run at
     * in-memory speed (see {@link DecisionCache} for what it keeps, how it stays correct across application
     * instances, and its staleness bound). Off by default. The manager's {@link ConsentManager#store()} is then the
     * caching store; it is told of commits in the caller's transaction through the {@link #commitHook}, if any.
     */
    public ConsentManagerBuilder cache(DecisionCache cache) {
        this.cache = Checks.notNull(cache, "cache");
        return this;
    }

    /** Told of every {@code check} and {@code require} decision with its duration, for metrics. Optional. */
    public ConsentManagerBuilder decisionObserver(DecisionObserver decisionObserver) {
        this.decisionObserver = Checks.notNull(decisionObserver, "decisionObserver");
        return this;
    }

    /** The tenant (brand or business unit); defaults to {@code default}. */
    public ConsentManagerBuilder tenant(String tenant) {
        this.tenant = tenant;
        return this;
    }

    /** Declares communication preferences. */
    public ConsentManagerBuilder preferences(PreferenceDefinition... definitions) {
        for (PreferenceDefinition d : Checks.notNull(definitions, "preferences")) {
            this.preferences.put(Checks.notNull(d, "preferences").key(), d);
        }
        return this;
    }

    /**
     * The secret key (16 bytes or more) for the keyed pseudonyms that replace erased subjects' identifiers.
     * Keep it stable and secret: it is how an erased subject is recognised again. Copied. Without it
     * {@link ConsentManager#erase} is unavailable (the manager says so when it is built).
     */
    public ConsentManagerBuilder pseudonymKey(byte[] key) {
        this.pseudonymKey = Checks.notNull(key, "pseudonymKey").clone();
        return this;
    }

    /**
     * The key that signs {@link ConsentManager#checkpoint() checkpoints} and verifies them
     * ({@link ConsentManager#verify(Checkpoint)}): {@link CheckpointKey#ed25519}, {@link CheckpointKey#hmac}, or
     * {@link CheckpointKey#ed25519Verifier} to verify only. Without it both throw {@link IllegalStateException}.
     */
    public ConsentManagerBuilder checkpointKey(CheckpointKey checkpointKey) {
        this.checkpointKey = Checks.notNull(checkpointKey, "checkpointKey");
        return this;
    }

    /**
     * How far back from now a {@link ConsentManager#checkpoint() checkpoint} stops covering entries; defaults to one
     * minute. It must exceed the longest time between a write being stamped and its commit (a write inside a long
     * transaction of the caller) plus how far any writer's clock lags: an entry stamped before a checkpoint's instant
     * but committed after it was signed would later be reported as {@code CHAIN_REWOUND} or {@code CHAIN_BACKDATED}.
     */
    public ConsentManagerBuilder checkpointGrace(Duration checkpointGrace) {
        Checks.notNull(checkpointGrace, "checkpointGrace");
        Checks.check(!checkpointGrace.isNegative(), "checkpointGrace", "must not be negative");
        this.checkpointGrace = checkpointGrace;
        return this;
    }

    /**
     * Builds the manager.
     *
     * @throws InvalidConsentRequestException naming the missing or invalid property ({@code purposes},
     *                                        {@code tenant}, {@code pseudonymKey})
     */
    public ConsentManager build() {
        Checks.check(!purposes.isEmpty(), "purposes", "must declare at least one purpose");
        Checks.check(tenant != null && TENANT.matcher(tenant).matches(), "tenant", "must match " + TENANT.pattern());
        Checks.check(pseudonymKey == null || pseudonymKey.length >= 16, "pseudonymKey", "must be at least 16 bytes");
        return new ConsentManager(this, PurposeRegistry.of(purposes));
    }
}
