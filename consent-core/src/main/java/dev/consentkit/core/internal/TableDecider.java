package dev.consentkit.core.internal;

import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.PurposeRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. Answers "allowed now?" from the in-memory store's
 * {@link DecidingTable} by the same rules as {@link DecidingRules#decide} on the record in force, without
 * allocating: the purpose and its slot are looked up by name, the subject id is checked in one pass, the subject's
 * row is one map read, and time is the clock's milliseconds (its instant only when an expiry falls within the
 * current millisecond). Where the table cannot tell (a subject without entries on a basis other than consent, whose
 * erasure is kept under its pseudonym; a pseudonym's own row; a slot newer than the row; invalid input) it answers
 * {@link #UNDECIDED} and the caller decides through the store.
 */
public final class TableDecider {

    /** Processing is not allowed. */
    public static final int DENY = 0;
    /** Processing is allowed. */
    public static final int ALLOW = 1;
    /** The table cannot tell: decide through the store. */
    public static final int UNDECIDED = -1;

    private static final int CONSENT = 0;
    private static final int LEGITIMATE_INTERESTS = 1;
    private static final int INDEPENDENT = 2;

    /** One declared purpose as the table decider needs it. */
    private static final class Target {
        final int slot;
        final int basis;

        Target(int slot, LegalBasis basis) {
            this.slot = slot;
            this.basis = basis == LegalBasis.CONSENT
                    ? CONSENT
                    : basis == LegalBasis.LEGITIMATE_INTERESTS ? LEGITIMATE_INTERESTS : INDEPENDENT;
        }
    }

    private final DecidingTable.Tenant table;
    private final Clock clock;
    private final Map<String, Target> byName;
    /** By slot: the reconsent version of the current version of the slot's purpose (1 if it is not declared). */
    private final int[] reconsentFrom;

    public TableDecider(DecidingTable.Tenant table, PurposeRegistry registry, Clock clock) {
        this.table = table;
        this.clock = clock;
        Set<PurposeId> covered = new LinkedHashSet<>();
        List<Purpose> declared = new ArrayList<>(registry.currentPurposes());
        for (Purpose p : declared) {
            covered.addAll(p.id().selfAndAncestors());
        }
        int[] slots = table.reserve(covered);
        int max = -1;
        for (int s : slots) {
            max = Math.max(max, s);
        }
        this.reconsentFrom = new int[max + 1];
        for (int s = 0; s <= max; s++) {
            reconsentFrom[s] = registry.current(table.purposeOf(s))
                    .map(Purpose::reconsentFromVersion)
                    .orElse(1);
        }
        Map<String, Target> names = new HashMap<>();
        for (Purpose p : declared) {
            names.put(p.id().value(), new Target(table.reserve(List.of(p.id()))[0], p.basis()));
        }
        this.byName = Map.copyOf(names);
    }

    /** {@link #ALLOW}, {@link #DENY} or {@link #UNDECIDED} for the subject and purpose named, now. */
    public int decide(@Nullable String subject, @Nullable String purpose) {
        if (purpose == null) {
            return UNDECIDED;
        }
        Target t = byName.get(purpose);
        if (t == null || subject == null || !IdRules.isValidSubject(subject)) {
            return UNDECIDED;
        }
        long[] row = table.row(subject);
        if (row == null) {
            // no entry under this id: a consent purpose has no record, so it is denied whether or not the subject
            // was erased; on other bases only an erasure (kept under the pseudonym) denies, which the store knows
            return t.basis == CONSENT ? DENY : UNDECIDED;
        }
        if (DecidingTable.erased(row)) {
            return UNDECIDED; // a pseudonym asked about directly: rare, decided through the store
        }
        // a subject with entries under its own id is not erased: erasure moves every entry to the pseudonym, and
        // writes for an erased subject are refused
        if (t.basis == INDEPENDENT) {
            return ALLOW;
        }
        int slot = t.slot;
        if (!DecidingTable.covers(row, slot)) {
            return UNDECIDED;
        }
        long info = DecidingTable.info(row, slot);
        boolean present = DecidingTable.present(info);
        if (t.basis == LEGITIMATE_INTERESTS) {
            // allowed unless the record in force is a refusal
            return present && DecidingTable.status(info).isRefusal() ? DENY : ALLOW;
        }
        if (!present || DecidingTable.status(info) != ConsentStatus.GRANTED) {
            return DENY; // no record, a refusal, or a grant waiting for its confirmation
        }
        int recordSlot = DecidingTable.recordSlot(info);
        if (recordSlot >= reconsentFrom.length) {
            return UNDECIDED;
        }
        if (DecidingTable.version(info) < reconsentFrom[recordSlot]) {
            return DENY; // made on a version below the purpose's reconsent version
        }
        return expired(DecidingTable.expiresMicros(row, slot)) ? DENY : ALLOW;
    }

    /**
     * True if a grant expiring at {@code expiresMicros} (epoch microseconds, rounded up) has lapsed now: now, by
     * the manager's clock truncated to microseconds, is not before the expiry. The clock's milliseconds settle it
     * unless the expiry falls within the current millisecond; then its instant does.
     */
    private boolean expired(long expiresMicros) {
        if (expiresMicros == DecidingTable.NEVER) {
            return false;
        }
        long millis = clock.millis();
        if (millis > Long.MAX_VALUE / 1000 - 1 || millis < Long.MIN_VALUE / 1000 + 1) {
            return preciseExpired(expiresMicros);
        }
        long from = millis * 1000;
        if (from >= expiresMicros) {
            return true;
        }
        if (from + 999 < expiresMicros) {
            return false;
        }
        return preciseExpired(expiresMicros);
    }

    private boolean preciseExpired(long expiresMicros) {
        Instant now = clock.instant();
        return DecidingTable.micros(now.minusNanos(now.getNano() % 1000)) >= expiresMicros;
    }
}
