package dev.consentkit.core.internal;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentDecision;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.PreferenceDefinition;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectConsents;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.DecidingRecord;
import dev.consentkit.core.spi.DecisionObserver;
import dev.consentkit.core.spi.SubjectRecords;
import dev.consentkit.core.spi.SubjectState;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal API; may change without notice. Reads what a decision needs from the store, as narrowly as it can,
 * and hands it to the {@link DecidingRules}: the subject's current records on the purpose and its ancestors in
 * one read, the subject's keyed pseudonym and its erasure only when there is no record, the whole state for a
 * pseudonym asked about directly (it carries the erasure). Also reads preferences.
 */
public final class RecordReader {

    private static final Logger log = LoggerFactory.getLogger(ConsentManager.class);

    private final ConsentStore store;
    private final String tenant;
    private final PurposeIndex purposes;
    private final DecidingRules rules;
    private final Pseudonyms pseudonyms;
    private final @Nullable DecisionObserver observer;

    public RecordReader(
            ConsentStore store,
            String tenant,
            PurposeIndex purposes,
            DecidingRules rules,
            Pseudonyms pseudonyms,
            @Nullable DecisionObserver observer) {
        this.store = store;
        this.tenant = tenant;
        this.purposes = purposes;
        this.rules = rules;
        this.pseudonyms = pseudonyms;
        this.observer = observer;
    }

    /** The decision on {@code p} now, told to the decision observer with its duration (a failing one is logged). */
    public ConsentDecision check(SubjectId subject, Purpose p, Instant now) {
        if (observer == null) {
            return decide(subject, p, now);
        }
        long start = System.nanoTime();
        ConsentDecision decision = decide(subject, p, now);
        long nanos = System.nanoTime() - start;
        try {
            observer.decided(decision, nanos);
        } catch (RuntimeException e) {
            log.warn(
                    "Decision observer {} failed for purpose {}",
                    observer.getClass().getName(),
                    decision.purpose().value(),
                    e);
        }
        return decision;
    }

    private ConsentDecision decide(SubjectId subject, Purpose p, Instant now) {
        if (Pseudonyms.isPseudonym(subject)) {
            Optional<SubjectState> state = store.state(tenant, subject);
            return rules.decide(
                    p,
                    state.map(st -> rules.inForce(st.current(), p.id())).orElse(null),
                    state.map(SubjectState::erased).orElse(false),
                    now);
        }
        // the store picks the record in force among the purpose and its ancestors (the same rule as inForce)
        Optional<ConsentRecord> inForce = store.recordInForce(tenant, subject, purposes.cover(p.id()));
        if (inForce.isEmpty()) {
            // an erased subject's records live under its pseudonym; an erased subject is denied on every basis
            return rules.decide(p, null, isErased(subject), now);
        }
        return rules.decide(p, inForce.get(), false, now);
    }

    /**
     * {@code check(subject, p, now).allowed()} without the deciding record: the store's deciding values of the
     * subject's current records on the purpose and its ancestors (on a database, the state rows alone, never the
     * log), decided by the same rules as {@link #filterAllowed}. With a decision observer, or for a pseudonym (an
     * erased subject asked about by its keyed id, whose whole state carries the erasure), it is the check itself.
     */
    public boolean allowed(SubjectId subject, Purpose p, Instant now) {
        if (observer != null || Pseudonyms.isPseudonym(subject)) {
            return check(subject, p, now).allowed();
        }
        List<DecidingRecord> current = store.decidingRecords(tenant, List.of(subject), purposes.cover(p.id()))
                .get(subject);
        DecidingRecord effective = current == null ? null : DecidingRules.inForceAmongDeciding(current);
        // without a record in force a consent purpose is denied anyway, so only other bases look for an erasure
        boolean erased = effective == null && p.basis() != LegalBasis.CONSENT && isErased(subject);
        return rules.allows(p, effective, erased, now);
    }

    /**
     * The decision on {@code p} at {@code at}, from what had been recorded by {@code asKnownAt}. A chain's time
     * may run ahead of this manager's clock (another writer's clock is ahead, or this one was stepped back: time
     * never runs backwards along a chain), so the reader's present ({@code now}) is not taken as a bound: asked as
     * known now, every record counts; asked at now, the record in force counts, as for {@link #check}.
     */
    public ConsentDecision decideAt(SubjectId subject, Purpose p, Instant at, Instant asKnownAt, Instant now) {
        if (isErased(subject)) {
            return rules.decide(p, null, true, at);
        }
        HistoryQuery.Builder query = HistoryQuery.builder().subject(subject).purposes(purposes.cover(p.id()));
        Instant knownAt = asKnownAt.truncatedTo(ChronoUnit.MICROS);
        if (knownAt.isBefore(now)) {
            query.recordedTo(knownAt.plus(1, ChronoUnit.MICROS));
        }
        boolean present = !at.truncatedTo(ChronoUnit.MICROS).isBefore(now);
        try (Stream<AuditEntry> entries = store.history(tenant, query.build())) {
            Iterable<ConsentRecord> statements = entries.map(e -> (ConsentRecord) e)::iterator;
            ConsentRecord effective =
                    present ? DecidingRules.inForceAmong(statements) : DecidingRules.effectiveAmong(statements, at);
            return rules.decide(p, effective, false, at);
        }
    }

    /** A decision on every declared purpose from one read of the subject's state. */
    public SubjectConsents stateOf(SubjectId subject, Instant now) {
        Optional<SubjectState> state = store.state(tenant, subject);
        boolean erased = state.map(SubjectState::erased).orElseGet(() -> isErased(subject));
        Map<PurposeId, ConsentRecord> current = state.map(SubjectState::current).orElse(Map.of());
        Map<PurposeId, ConsentDecision> decisions = new LinkedHashMap<>();
        for (Purpose p : purposes.registry().currentPurposes()) {
            decisions.put(p.id(), rules.decide(p, rules.inForce(current, p.id()), erased, now));
        }
        return new SubjectConsents(subject, decisions, now);
    }

    /** The candidates allowed for {@code p} now, in order, from one bulk read. */
    public Set<SubjectId> filterAllowed(Purpose p, List<SubjectId> ids, Instant now) {
        List<PurposeId> cover = purposes.cover(p.id());
        // one narrow read of the deciding values of the records on the purpose and its ancestors; pseudonyms
        // (erased subjects asked about by their keyed id) need their whole state, which carries the erasure
        List<SubjectId> asPseudonyms =
                ids.stream().filter(Pseudonyms::isPseudonym).toList();
        Map<SubjectId, List<DecidingRecord>> statements = store.decidingRecords(tenant, ids, cover);
        Map<SubjectId, SubjectState> pseudonymStates =
                asPseudonyms.isEmpty() ? Map.of() : store.states(tenant, asPseudonyms);
        // without a record a consent purpose is denied anyway, so only other bases look for erasures
        Set<SubjectId> erased = p.basis() == LegalBasis.CONSENT
                ? Set.of()
                : erasedAmong(ids.stream()
                        .filter(id -> !statements.containsKey(id) && !Pseudonyms.isPseudonym(id))
                        .toList());
        Set<SubjectId> allowed = new LinkedHashSet<>();
        for (SubjectId id : ids) {
            SubjectState pseudonymState = pseudonymStates.get(id);
            boolean allows;
            if (pseudonymState != null) {
                allows = rules.decide(p, rules.inForce(pseudonymState.current(), p.id()), pseudonymState.erased(), now)
                        .allowed();
            } else {
                List<DecidingRecord> current = statements.get(id);
                DecidingRecord effective = current == null ? null : DecidingRules.inForceAmongDeciding(current);
                allows = rules.allows(p, effective, erased.contains(id), now);
            }
            if (allows) {
                allowed.add(id);
            }
        }
        return allowed;
    }

    /**
     * Every subject the store knows that is allowed {@code p} at {@code now}, streamed from the store's current
     * records of the purpose and its ancestors, by the rules of {@link #check}. For consent purposes only subjects
     * with a record on them can be allowed, so only those are read; legitimate interests and the bases independent
     * of choice allow without a record, so every subject with a chain is read. Erased subjects never come (the
     * store streams them under their pseudonym, marked erased). Must be closed.
     */
    public Stream<SubjectId> allowedSubjects(Purpose p, Instant now) {
        boolean everySubject = p.basis() != LegalBasis.CONSENT;
        return store.audience(tenant, purposes.cover(p.id()), everySubject)
                .filter(s -> rules.allows(p, DecidingRules.inForceAmongDeciding(s.records()), s.erased(), now))
                .map(SubjectRecords::subject);
    }

    /**
     * The subject's own current grants on sale-or-share purposes that were given after a Global Privacy Control
     * opt-out of the same purpose: the person confirmed the sale or sharing despite the signal, so a repeated
     * signal must not override it again. Costs one narrow read, plus one history read per such grant.
     */
    public Set<UUID> grantsGivenAfterASignal(SubjectId subject) {
        List<PurposeId> saleOrShare = purposes.registry().currentPurposes().stream()
                .filter(Purpose::saleOrShare)
                .map(Purpose::id)
                .toList();
        if (saleOrShare.isEmpty()) {
            return Set.of();
        }
        Set<PurposeId> covering = new LinkedHashSet<>();
        saleOrShare.forEach(p -> covering.addAll(purposes.cover(p)));
        Map<PurposeId, ConsentRecord> current = store.currentRecords(tenant, subject, covering);
        Set<UUID> confirmed = new HashSet<>();
        for (PurposeId p : saleOrShare) {
            Optional<ConsentRecord> grant = rules.subjectsOwnGrant(current, p);
            if (grant.isEmpty()) {
                continue;
            }
            try (Stream<AuditEntry> entries = store.history(
                    tenant,
                    HistoryQuery.builder().subject(subject).purposes(List.of(p)).build())) {
                if (entries.anyMatch(e -> DecidingRules.isSignalOptOutBefore(e, grant.get()))) {
                    confirmed.add(grant.get().id());
                }
            }
        }
        return confirmed;
    }

    /** The subject's value for the declared preference {@code key}, or the definition's default. */
    public Optional<String> preference(SubjectId subject, String key, PreferenceDefinition definition) {
        PreferenceRecord r = store.preferences(tenant, subject).get(key);
        return r != null ? Optional.of(r.value()) : definition.defaultValue();
    }

    /** Every declared preference that has a value (chosen or default) for the subject, by key. */
    public Map<String, String> preferences(SubjectId subject, Map<String, PreferenceDefinition> definitions) {
        Map<String, PreferenceRecord> chosen = store.preferences(tenant, subject);
        Map<String, String> result = new TreeMap<>();
        definitions.forEach((key, def) -> {
            PreferenceRecord r = chosen.get(key);
            if (r != null) {
                result.put(key, r.value());
            } else {
                def.defaultValue().ifPresent(v -> result.put(key, v));
            }
        });
        return result;
    }

    private boolean isErased(SubjectId subject) {
        return pseudonyms.available()
                && store.state(tenant, pseudonyms.of(subject))
                        .map(SubjectState::erased)
                        .orElse(false);
    }

    /** Which of {@code withoutRecords} were erased: their keyed pseudonym's chain ends in an erasure. */
    private Set<SubjectId> erasedAmong(List<SubjectId> withoutRecords) {
        if (!pseudonyms.available() || withoutRecords.isEmpty()) {
            return Set.of();
        }
        Map<SubjectId, SubjectId> byPseudonym = new LinkedHashMap<>();
        for (SubjectId id : withoutRecords) {
            byPseudonym.put(pseudonyms.of(id), id);
        }
        return store.states(tenant, byPseudonym.keySet()).values().stream()
                .filter(SubjectState::erased)
                .map(s -> byPseudonym.get(s.subject()))
                .collect(Collectors.toSet());
    }
}
