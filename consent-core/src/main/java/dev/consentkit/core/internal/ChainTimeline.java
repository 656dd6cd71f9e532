package dev.consentkit.core.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal API; may change without notice. Keeps time running forward along every subject's chain, whatever the
 * writers' clocks say. Under the subject's lock an entry is stamped no earlier than one microsecond after the
 * chain head's recorded time; a record that takes effect when it is recorded (the command named no effective time)
 * moves with it, and so does its expiry, so the chain's order is the order of the decisions. A record whose command
 * named its effective time (an import of an older choice) keeps that time and its expiry: it still never supersedes
 * a record that took effect after it. Applied before sealing, since the chain hash covers the times (the
 * personal-data digest does not).
 *
 * <p>A correction larger than the configured bound means a writer's clock is behind another's by more than that:
 * it is counted, and logged at WARN once per timeline (one per manager), without any subject id.
 */
public final class ChainTimeline {

    private static final Logger log = LoggerFactory.getLogger(ConsentManager.class);

    /** The bound a manager uses unless configured otherwise. */
    public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofSeconds(5);

    private final @Nullable PurposeRegistry registry;
    private final Duration maxClockSkew;
    private final String tenant;
    private final AtomicLong corrections = new AtomicLong();
    private final AtomicBoolean warned = new AtomicBoolean();

    /**
     * @param registry     the declared purposes, to count a moved grant's validity again from its new effective
     *                     time; without it the expiry moves by the correction
     * @param maxClockSkew corrections larger than this are counted and logged
     * @param tenant       named in the warning
     */
    public ChainTimeline(@Nullable PurposeRegistry registry, Duration maxClockSkew, String tenant) {
        this.registry = registry;
        this.maxClockSkew = Objects.requireNonNull(maxClockSkew, "maxClockSkew");
        this.tenant = Objects.requireNonNull(tenant, "tenant");
    }

    /** A timeline with the default bound and no purposes (expiry moves by the correction). */
    public static ChainTimeline withDefaults() {
        return new ChainTimeline(null, DEFAULT_MAX_CLOCK_SKEW, "-");
    }

    /** How many entries were moved forward by more than the bound. */
    public long corrections() {
        return corrections.get();
    }

    /**
     * {@code entry} (unsealed) stamped after the chain head recorded at {@code headRecordedAt}: unchanged when its
     * clock is already later, else at one microsecond after the head. {@code keepsEffectiveTime} for a record whose
     * command named its effective time.
     */
    public AuditEntry after(AuditEntry entry, Optional<Instant> headRecordedAt, boolean keepsEffectiveTime) {
        if (headRecordedAt.isEmpty()) {
            return entry;
        }
        Instant floor = headRecordedAt.get().plus(1, ChronoUnit.MICROS);
        if (!entry.recordedAt().isBefore(floor)) {
            return entry;
        }
        Duration correction = Duration.between(entry.recordedAt(), floor);
        if (correction.compareTo(maxClockSkew) > 0) {
            corrections.incrementAndGet();
            if (warned.compareAndSet(false, true)) {
                log.warn(
                        "ConsentKit moved a write in tenant {} {} ms forward to keep its subject's chain in order: "
                                + "this instance's clock is behind another writer's (or was stepped back) by more "
                                + "than maxClockSkew {}; check the clocks' synchronisation. Logged once per "
                                + "manager; ConsentManager.clockSkewCorrections() counts them",
                        tenant,
                        correction.toMillis(),
                        maxClockSkew);
            }
        }
        return restamped(entry, floor, keepsEffectiveTime);
    }

    private AuditEntry restamped(AuditEntry entry, Instant at, boolean keepsEffectiveTime) {
        if (entry instanceof ConsentRecord r) {
            boolean live = !keepsEffectiveTime && r.effectiveAt().equals(r.recordedAt());
            Instant effectiveAt = live ? at : r.effectiveAt();
            Optional<Instant> expiresAt = live ? r.expiresAt().map(e -> expiry(r, e, at)) : r.expiresAt();
            return new ConsentRecord(
                    r.id(),
                    r.tenant(),
                    r.subject(),
                    r.purpose(),
                    r.purposeVersion(),
                    r.status(),
                    at,
                    effectiveAt,
                    expiresAt,
                    r.idempotencyKey(),
                    r.evidence(),
                    r.conflict(),
                    r.personalDataDigest(),
                    r.link());
        } else if (entry instanceof PreferenceRecord p) {
            return new PreferenceRecord(
                    p.id(),
                    p.tenant(),
                    p.subject(),
                    p.key(),
                    p.value(),
                    at,
                    p.evidence(),
                    p.personalDataDigest(),
                    p.link());
        } else if (entry instanceof ErasureRecord e) {
            return new ErasureRecord(e.id(), e.tenant(), e.subject(), e.reason(), at, e.personalDataDigest(), e.link());
        }
        throw new IllegalArgumentException("unknown entry kind " + entry.getClass());
    }

    /** The validity of the version shown, counted again from the new effective time, as the draft counted it. */
    private Instant expiry(ConsentRecord r, Instant expiresAt, Instant effectiveAt) {
        Optional<Period> validity = registry == null
                ? Optional.empty()
                : registry.version(r.purpose(), r.purposeVersion()).flatMap(Purpose::validity);
        return validity.map(v -> effectiveAt.atZone(ZoneOffset.UTC).plus(v).toInstant())
                .orElseGet(() -> expiresAt.plus(Duration.between(r.effectiveAt(), effectiveAt)));
    }
}
