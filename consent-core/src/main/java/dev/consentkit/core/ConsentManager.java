package dev.consentkit.core;

import dev.consentkit.core.internal.TextValidators;
import dev.consentkit.core.spi.AppendRequest;
import dev.consentkit.core.spi.AppendResult;
import dev.consentkit.core.spi.AuditChain;
import dev.consentkit.core.spi.CommitHook;
import dev.consentkit.core.spi.ConsentListener;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.core.spi.DecisionObserver;
import dev.consentkit.core.spi.SubjectState;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Path;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import org.hibernate.validator.HibernateValidator;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The entry point: records what subjects chose, decides whether processing is allowed, and keeps the
 * audit chain. Thread-safe; build one per tenant with {@link #builder()} and share it.
 *
 * <pre>{@code
 * ConsentManager consents = ConsentManager.builder()
 *         .purposes(Purpose.builder("marketing.email").basis(LegalBasis.CONSENT).build())
 *         .build();
 * consents.record(ConsentCommand.grant("cust-42", "marketing.email")
 *         .evidence(Evidence.of(Source.WEB, "signup-form")).build());
 * boolean mayEmail = consents.check("cust-42", "marketing.email").allowed();
 * }</pre>
 *
 * <p>The deciding rules, in order: an unknown purpose throws {@link UnknownPurposeException}; an erased
 * subject is denied ({@link DecisionReason#ERASED}); contract, legal obligation, vital interests and public
 * task allow ({@link DecisionReason#LEGAL_BASIS}); otherwise the <em>effective statement</em> is the latest
 * (by effective time, then by chain order) on the purpose or any ancestor. Consent purposes need an effective
 * unexpired grant at or above the purpose's reconsent version; legitimate-interest purposes are allowed unless
 * the effective statement says no.
 */
public final class ConsentManager {

    private static final Logger log = LoggerFactory.getLogger(ConsentManager.class);
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Instant EARLIEST = Instant.EPOCH;
    private static final Pattern PSEUDONYM = Pattern.compile("erased-[0-9a-f]{64}");

    private final ConsentStore store;
    private final PurposeRegistry purposes;
    private final Map<String, Purpose> purposesByName;
    private final Map<PurposeId, List<PurposeId>> covering;
    private final Clock clock;
    private final EvidencePolicy evidencePolicy;
    private final List<ConsentListener> listeners;
    private final @Nullable CommitHook commitHook;
    private final @Nullable DecisionObserver decisionObserver;
    private final ThreadLocal<Mac> pseudonymMac = ThreadLocal.withInitial(this::newPseudonymMac);
    private final AtomicBoolean warnedListenersSkipped = new AtomicBoolean();
    private final String tenant;
    private final Map<String, PreferenceDefinition> preferenceDefinitions;
    private final byte @Nullable [] pseudonymKey;
    private final Validator validator;

    private ConsentManager(Builder b, PurposeRegistry registry) {
        this.store = b.store == null ? new InMemoryConsentStore() : b.store;
        this.purposes = registry;
        this.clock = b.clock;
        this.evidencePolicy = b.evidencePolicy;
        this.listeners = List.copyOf(b.listeners);
        this.commitHook = b.commitHook;
        this.decisionObserver = b.decisionObserver;
        this.tenant = b.tenant;
        this.preferenceDefinitions = Map.copyOf(b.preferences);
        this.pseudonymKey = b.pseudonymKey;
        Map<String, Purpose> byName = new LinkedHashMap<>();
        Map<PurposeId, List<PurposeId>> cover = new LinkedHashMap<>();
        for (Purpose p : registry.currentPurposes()) {
            byName.put(p.id().value(), p);
            cover.put(p.id(), p.id().selfAndAncestors());
        }
        this.purposesByName = Map.copyOf(byName);
        this.covering = Map.copyOf(cover);
        this.validator = Validators.FACTORY.usingContext().clockProvider(() -> clock).getValidator();
        store.savePurposes(tenant, registry.allVersions());
        log.info("ConsentKit manager ready: tenant={}, purposes={}, store={}", tenant, byName.size(),
                store.getClass().getSimpleName());
    }

    /** A builder; {@link Builder#purposes} is required, everything else has a default. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ recording

    /**
     * Validates and records one statement; returns the stored record. The same idempotency key twice returns
     * the first record and writes nothing.
     *
     * @throws InvalidConsentRequestException listing every violation; nothing is written
     * @throws ObjectionInForceException      for a grant that may not lift a direct-marketing objection
     * @throws SubjectErasedException         if the subject was erased
     */
    public ConsentRecord record(ConsentCommand command) {
        return recordAll(List.of(command)).get(0);
    }

    /**
     * Validates every command first, then records them all as one unit (all or none, where the store
     * supports it; {@link InMemoryConsentStore} and the JDBC store do). Commands for the same subject apply in
     * list order. Returns the stored (or, for a repeated idempotency key, the earlier) records in order.
     */
    public List<ConsentRecord> recordAll(List<ConsentCommand> commands) {
        Objects.requireNonNull(commands, "commands");
        Instant now = now();
        List<InvalidConsentRequestException.Violation> violations = new ArrayList<>();
        Map<Evidence, List<InvalidConsentRequestException.Violation>> evidenceChecked = new java.util.IdentityHashMap<>();
        for (int i = 0; i < commands.size(); i++) {
            String prefix = commands.size() == 1 ? "" : "commands[" + i + "].";
            ConsentCommand c = commands.get(i);
            if (c == null) {
                violations.add(new InvalidConsentRequestException.Violation("commands[" + i + "]", "must not be null"));
                continue;
            }
            List<InvalidConsentRequestException.Violation> found = validate(c, prefix);
            if (c.evidence() != null) {
                evidenceChecked.computeIfAbsent(c.evidence(), e -> violations(validator.validate(e), ""))
                        .forEach(v -> found.add(new InvalidConsentRequestException.Violation(
                                prefix + "evidence." + v.field(), v.message())));
            }
            found.sort(Comparator.comparing(InvalidConsentRequestException.Violation::field));
            violations.addAll(found);
        }
        throwIfAny(violations);
        List<AppendRequest> requests = new ArrayList<>(commands.size());
        for (ConsentCommand c : commands) {
            SubjectId subject = SubjectId.of(c.subject());
            requests.add(new AppendRequest(tenant, subject, c.idempotencyKey(), pseudonymFor(subject),
                    planFor(c, subject, now)));
        }
        List<AppendResult> results = store.appendAll(requests);
        List<ConsentRecord> recorded = new ArrayList<>(results.size());
        List<AuditEntry> written = new ArrayList<>();
        for (AppendResult r : results) {
            recorded.add((ConsentRecord) r.entries().get(0));
            if (!r.replayed()) {
                written.addAll(r.entries());
            }
        }
        publish(written);
        return recorded;
    }

    private dev.consentkit.core.spi.WritePlan planFor(ConsentCommand c, SubjectId subject, Instant now) {
        Purpose current = Objects.requireNonNull(purposesByName.get(c.purpose()));
        int version = c.purposeVersion().orElse(current.version());
        Purpose shown = purposes.version(current.id(), version).orElseThrow();
        ConsentStatus status = c.storedStatus();
        Instant effectiveAt = c.effectiveAt().map(t -> t.truncatedTo(ChronoUnit.MICROS)).orElse(now);
        Optional<Instant> expiresAt = (status == ConsentStatus.GRANTED || status == ConsentStatus.PENDING)
                ? shown.validity().map(v -> effectiveAt.atZone(ZoneOffset.UTC).plus(v).toInstant())
                : Optional.empty();
        Evidence evidence = evidencePolicy.apply(c.evidence());
        String digest = AuditChain.personalDataDigest(subject, c.idempotencyKey().orElse(null),
                evidence.ipAddress().orElse(null), evidence.userAgent().orElse(null), evidence.comment().orElse(null));
        ConsentRecord record = new ConsentRecord(UUID.randomUUID(), tenant, subject, current.id(), version, status,
                now, effectiveAt, expiresAt, c.idempotencyKey(), evidence, false, digest, ChainLink.UNSEALED);
        return state -> {
            if (state.erased()) {
                throw new SubjectErasedException();
            }
            if (status == ConsentStatus.GRANTED || status == ConsentStatus.PENDING) {
                refuseIfObjectionInForce(state, current, evidence, now);
            }
            return List.of(record);
        };
    }

    /**
     * Rule 7: a grant on {@code purpose} also covers its descendants, so it is refused if any covered purpose is
     * under a direct-marketing objection and the grant does not come from the subject itself.
     */
    private void refuseIfObjectionInForce(SubjectState state, Purpose purpose, Evidence evidence, Instant now) {
        if (evidence.actor().isSubject() && evidence.source().isDirectFromSubject()) {
            return;
        }
        for (Purpose covered : purposes.currentPurposes()) {
            if (!purpose.id().covers(covered.id())) {
                continue;
            }
            ConsentRecord effective = effective(state.current(), covered.id(), now);
            if (effective != null && effective.status() == ConsentStatus.OPTED_OUT && (covered.directMarketing()
                    || purposes.current(effective.purpose()).map(Purpose::directMarketing).orElse(false))) {
                throw new ObjectionInForceException(purpose.id());
            }
        }
    }

    /**
     * Applies a Global Privacy Control signal ({@code Sec-GPC: 1}): records {@code OPTED_OUT} with source
     * {@link Source#GPC_SIGNAL} on every sale-or-share purpose the subject is not already opted out of. A
     * record that overrides an effective grant is marked as a {@linkplain ConsentRecord#conflict() conflict}.
     * A repeated signal writes nothing, and neither does it override a grant the subject gave itself after an
     * earlier signal's opt-out (the person confirmed the sale or sharing; browsers keep sending the header).
     * Returns the records written; an erased subject gets none.
     */
    public List<ConsentRecord> applyGlobalPrivacyControl(String subject, Evidence evidence) {
        SubjectId id = SubjectId.of(subject);
        Evidence gpc = evidencePolicy.apply(validEvidence(evidence.toBuilder().source(Source.GPC_SIGNAL).build()));
        Instant now = now();
        String digest = AuditChain.personalDataDigest(id, null, gpc.ipAddress().orElse(null),
                gpc.userAgent().orElse(null), gpc.comment().orElse(null));
        Set<UUID> confirmedGrants = grantsGivenAfterASignal(id, now);
        AppendResult result = store.append(new AppendRequest(tenant, id, Optional.empty(), pseudonymFor(id), state -> {
            if (state.erased()) {
                return List.of();
            }
            List<AuditEntry> planned = new ArrayList<>();
            for (Purpose p : purposes.currentPurposes()) {
                if (!p.saleOrShare()) {
                    continue;
                }
                ConsentRecord effective = effective(state.current(), p.id(), now);
                if (effective != null && (effective.status() == ConsentStatus.OPTED_OUT
                        || confirmedGrants.contains(effective.id()))) {
                    continue;
                }
                boolean conflict = effective != null && effective.status() == ConsentStatus.GRANTED;
                planned.add(new ConsentRecord(UUID.randomUUID(), tenant, id, p.id(), p.version(),
                        ConsentStatus.OPTED_OUT, now, now, Optional.empty(), Optional.empty(), gpc, conflict,
                        digest, ChainLink.UNSEALED));
            }
            return planned;
        }));
        publish(result.entries());
        return result.entries().stream().map(ConsentRecord.class::cast).toList();
    }

    /**
     * The subject's own current grants on sale-or-share purposes that were given after a Global Privacy Control
     * opt-out of the same purpose: the person confirmed the sale or sharing despite the signal, so a repeated
     * signal must not override it again (rule 6). Costs one narrow read, plus one history read per such grant.
     */
    private Set<UUID> grantsGivenAfterASignal(SubjectId subject, Instant now) {
        List<PurposeId> saleOrShare = purposes.currentPurposes().stream().filter(Purpose::saleOrShare)
                .map(Purpose::id).toList();
        if (saleOrShare.isEmpty()) {
            return Set.of();
        }
        Set<PurposeId> covering = new LinkedHashSet<>();
        saleOrShare.forEach(p -> covering.addAll(this.covering.getOrDefault(p, p.selfAndAncestors())));
        Map<PurposeId, ConsentRecord> current = store.currentStatements(tenant, subject, covering);
        Set<UUID> confirmed = new HashSet<>();
        for (PurposeId p : saleOrShare) {
            ConsentRecord grant = effective(current, p, now);
            if (grant == null || grant.status() != ConsentStatus.GRANTED
                    || grant.evidence().actor().type() != Actor.Type.SUBJECT) {
                continue;
            }
            long grantSequence = grant.link().sequence();
            try (Stream<AuditEntry> entries = store.history(tenant, HistoryQuery.builder().subject(subject)
                    .purposes(List.of(p)).build())) {
                if (entries.anyMatch(e -> e.link().sequence() < grantSequence && e instanceof ConsentRecord r
                        && r.status() == ConsentStatus.OPTED_OUT && r.evidence().source() == Source.GPC_SIGNAL)) {
                    confirmed.add(grant.id());
                }
            }
        }
        return confirmed;
    }

    /**
     * Confirms a double opt-in: {@code confirmationToken} is the id of the {@code PENDING} record (send it in
     * the confirmation link). Records a new {@code GRANTED} statement whose proof reference is the token.
     *
     * @throws InvalidConfirmationException if the token is malformed or unknown, or the pending grant was
     *                                      already confirmed or superseded
     */
    public ConsentRecord confirm(String confirmationToken) {
        UUID id;
        try {
            id = UUID.fromString(Objects.requireNonNull(confirmationToken, "confirmationToken"));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfirmationException("The confirmation token is malformed");
        }
        ConsentRecord pending = store.findRecord(tenant, id)
                .filter(r -> r.status() == ConsentStatus.PENDING)
                .orElseThrow(() -> new InvalidConfirmationException("No pending grant has this confirmation token"));
        Instant now = now();
        Purpose shown = purposes.version(pending.purpose(), pending.purposeVersion()).orElseThrow();
        Evidence evidence = pending.evidence().toBuilder().actor(Actor.subject()).proofReference(confirmationToken).build();
        Optional<Instant> expiresAt = shown.validity().map(v -> now.atZone(ZoneOffset.UTC).plus(v).toInstant());
        String digest = AuditChain.personalDataDigest(pending.subject(), null, evidence.ipAddress().orElse(null),
                evidence.userAgent().orElse(null), evidence.comment().orElse(null));
        ConsentRecord granted = new ConsentRecord(UUID.randomUUID(), tenant, pending.subject(), pending.purpose(),
                pending.purposeVersion(), ConsentStatus.GRANTED, now, now, expiresAt, Optional.empty(), evidence,
                false, digest, ChainLink.UNSEALED);
        AppendResult result = store.append(new AppendRequest(tenant, pending.subject(), Optional.empty(), state -> {
            if (state.erased()) {
                throw new SubjectErasedException();
            }
            ConsentRecord current = state.current().get(pending.purpose());
            if (current == null || !current.id().equals(id)) {
                throw new InvalidConfirmationException("The pending grant was already confirmed or superseded");
            }
            return List.of(granted);
        }));
        publish(result.entries());
        return (ConsentRecord) result.entries().get(0);
    }

    // ------------------------------------------------------------------ preferences

    /**
     * Records a communication preference; audited in the subject's chain like every statement.
     *
     * @throws InvalidConsentRequestException naming {@code subject}, {@code key}, {@code value} or an evidence
     *                                        field; nothing is written
     */
    public PreferenceRecord setPreference(String subject, String key, String value, Evidence evidence) {
        List<InvalidConsentRequestException.Violation> violations = new ArrayList<>();
        addProblem(violations, "subject", SubjectId.problem(subject));
        PreferenceDefinition definition = key == null ? null : preferenceDefinitions.get(key);
        if (definition == null) {
            violations.add(new InvalidConsentRequestException.Violation("key", "must be a declared preference"));
        } else if (value == null || !definition.allowedValues().contains(value)) {
            violations.add(new InvalidConsentRequestException.Violation("value",
                    "must be one of " + definition.allowedValues()));
        }
        if (evidence == null) {
            violations.add(new InvalidConsentRequestException.Violation("evidence", "must not be null"));
        } else {
            violations.addAll(violations(validator.validate(evidence), "evidence."));
        }
        throwIfAny(violations);
        SubjectId id = SubjectId.of(subject);
        Evidence minimised = evidencePolicy.apply(evidence);
        String digest = AuditChain.personalDataDigest(id, null, minimised.ipAddress().orElse(null),
                minimised.userAgent().orElse(null), minimised.comment().orElse(null));
        PreferenceRecord entry = new PreferenceRecord(UUID.randomUUID(), tenant, id, key, value, now(), minimised,
                digest, ChainLink.UNSEALED);
        AppendResult result = store.append(new AppendRequest(tenant, id, Optional.empty(), pseudonymFor(id), state -> {
            if (state.erased()) {
                throw new SubjectErasedException();
            }
            return List.of(entry);
        }));
        publish(result.entries());
        return (PreferenceRecord) result.entries().get(0);
    }

    /** The subject's value for {@code key}, or the definition's default; empty if neither. */
    public Optional<String> preference(String subject, String key) {
        PreferenceDefinition definition = preferenceDefinitions.get(key);
        if (definition == null) {
            throw InvalidConsentRequestException.of("key", "must be a declared preference");
        }
        PreferenceRecord r = store.preferences(tenant, SubjectId.of(subject)).get(key);
        return r != null ? Optional.of(r.value()) : definition.defaultValue();
    }

    /** Every declared preference that has a value (chosen or default) for the subject, by key. */
    public Map<String, String> preferences(String subject) {
        Map<String, PreferenceRecord> chosen = store.preferences(tenant, SubjectId.of(subject));
        Map<String, String> result = new java.util.TreeMap<>();
        preferenceDefinitions.forEach((key, def) -> {
            PreferenceRecord r = chosen.get(key);
            if (r != null) {
                result.put(key, r.value());
            } else {
                def.defaultValue().ifPresent(v -> result.put(key, v));
            }
        });
        return result;
    }

    // ------------------------------------------------------------------ deciding

    /** May the subject's data be processed for {@code purpose} now? */
    public ConsentDecision check(String subject, String purpose) {
        return check(SubjectId.of(subject), purpose(purpose));
    }

    /** May the subject's data be processed for {@code purpose} now? */
    public ConsentDecision check(SubjectId subject, PurposeId purpose) {
        return check(Objects.requireNonNull(subject, "subject"), purposes.require(purpose));
    }

    private ConsentDecision check(SubjectId subject, Purpose p) {
        if (decisionObserver == null) {
            return decideNow(subject, p);
        }
        long start = System.nanoTime();
        ConsentDecision decision = decideNow(subject, p);
        long nanos = System.nanoTime() - start;
        try {
            decisionObserver.decided(decision, nanos);
        } catch (RuntimeException e) {
            log.warn("Decision observer {} failed for purpose {}", decisionObserver.getClass().getName(),
                    decision.purpose().value(), e);
        }
        return decision;
    }

    private ConsentDecision decideNow(SubjectId subject, Purpose p) {
        Instant now = now();
        if (isPseudonym(subject)) {
            // asked about an erased subject by its pseudonym: the full state carries the erasure
            Optional<SubjectState> state = store.state(tenant, subject);
            return decide(p, state.map(st -> effective(st.current(), p.id(), now)).orElse(null),
                    state.map(SubjectState::erased).orElse(false), now);
        }
        Map<PurposeId, ConsentRecord> current = store.currentStatements(tenant, subject, Objects.requireNonNull(covering.get(p.id())));
        if (current.isEmpty()) {
            // an erased subject's statements live under its pseudonym; rule 8 answers ERASED for every basis
            return decide(p, null, isErased(subject), now);
        }
        return decide(p, effective(current, p.id(), now), false, now);
    }

    /** Was processing allowed at {@code at}, from everything recorded so far? */
    public ConsentDecision checkAt(String subject, String purpose, Instant at) {
        return checkAt(subject, purpose, at, now());
    }

    /**
     * Was processing allowed at {@code at}, judged only from what had been recorded by {@code asKnownAt}?
     * The question an auditor asks about a past processing run. The purpose's current definition is applied.
     */
    public ConsentDecision checkAt(String subject, String purpose, Instant at, Instant asKnownAt) {
        SubjectId id = SubjectId.of(subject);
        Purpose p = purpose(purpose);
        Instant now = now();
        List<InvalidConsentRequestException.Violation> violations = new ArrayList<>();
        if (at == null || at.truncatedTo(ChronoUnit.MICROS).isAfter(now)) {
            violations.add(new InvalidConsentRequestException.Violation("at", "must not be null or in the future"));
        }
        if (asKnownAt == null || asKnownAt.truncatedTo(ChronoUnit.MICROS).isAfter(now)) {
            violations.add(new InvalidConsentRequestException.Violation("asKnownAt", "must not be null or in the future"));
        }
        throwIfAny(violations);
        if (isErased(id)) {
            return decide(p, null, true, at);
        }
        HistoryQuery query = HistoryQuery.builder().subject(id).purposes(Objects.requireNonNull(covering.get(p.id())))
                .recordedTo(asKnownAt.truncatedTo(ChronoUnit.MICROS).plus(1, ChronoUnit.MICROS)).build();
        ConsentRecord effective = null;
        try (Stream<AuditEntry> entries = store.history(tenant, query)) {
            for (AuditEntry e : (Iterable<AuditEntry>) entries::iterator) {
                ConsentRecord r = (ConsentRecord) e;
                if (!r.effectiveAt().isAfter(at) && (effective == null || SubjectState.supersedes(r, effective))) {
                    effective = r;
                }
            }
        }
        return decide(p, effective, false, at);
    }

    /**
     * Like {@link #check(String, String)} but throws when processing is not allowed.
     *
     * @return the allowing decision
     * @throws ConsentDeniedException carrying the decision
     */
    public ConsentDecision require(String subject, String purpose) {
        ConsentDecision decision = check(subject, purpose);
        if (!decision.allowed()) {
            throw new ConsentDeniedException(decision);
        }
        return decision;
    }

    /** A decision for every declared purpose, from one read of the subject's state. */
    public SubjectConsents stateOf(String subject) {
        SubjectId id = SubjectId.of(subject);
        Instant now = now();
        Optional<SubjectState> state = store.state(tenant, id);
        boolean erased = state.map(SubjectState::erased).orElseGet(() -> isErased(id));
        Map<PurposeId, ConsentRecord> current = state.map(SubjectState::current).orElse(Map.of());
        Map<PurposeId, ConsentDecision> decisions = new LinkedHashMap<>();
        for (Purpose p : purposes.currentPurposes()) {
            decisions.put(p.id(), decide(p, effective(current, p.id(), now), erased, now));
        }
        return new SubjectConsents(id, decisions, now);
    }

    /**
     * The subset of {@code candidates} whose data may be processed for {@code purpose} now, in candidate
     * order: one bulk read of the store, not one query per subject.
     */
    public Set<SubjectId> filterAllowed(String purpose, Collection<String> candidates) {
        Purpose p = purpose(purpose);
        Objects.requireNonNull(candidates, "candidates");
        List<SubjectId> ids = new ArrayList<>(candidates.size());
        List<InvalidConsentRequestException.Violation> violations = new ArrayList<>();
        int i = 0;
        for (String c : candidates) {
            String problem = SubjectId.problem(c);
            if (problem != null) {
                violations.add(new InvalidConsentRequestException.Violation("candidates[" + i + "]", problem));
            } else {
                ids.add(new SubjectId(c));
            }
            i++;
        }
        throwIfAny(violations);
        Instant now = now();
        List<PurposeId> cover = Objects.requireNonNull(covering.get(p.id()));
        // one narrow read of the statements on the purpose and its ancestors; pseudonyms (erased subjects asked
        // about by their keyed id) need their whole state, which carries the erasure
        List<SubjectId> pseudonyms = ids.stream().filter(ConsentManager::isPseudonym).toList();
        Map<SubjectId, Map<PurposeId, ConsentRecord>> statements = store.currentStatements(tenant, ids, cover);
        Map<SubjectId, SubjectState> pseudonymStates = pseudonyms.isEmpty() ? Map.of() : store.states(tenant, pseudonyms);
        // without a statement a consent purpose is denied anyway, so only other bases look for erasures
        Set<SubjectId> erased = p.basis() == LegalBasis.CONSENT ? Set.of()
                : erasedAmong(ids.stream().filter(id -> !statements.containsKey(id) && !isPseudonym(id)).toList());
        Set<SubjectId> allowed = new LinkedHashSet<>();
        for (SubjectId id : ids) {
            SubjectState pseudonymState = pseudonymStates.get(id);
            ConsentRecord effective;
            boolean isErased;
            if (pseudonymState != null) {
                effective = effective(pseudonymState.current(), p.id(), now);
                isErased = pseudonymState.erased();
            } else {
                Map<PurposeId, ConsentRecord> current = statements.get(id);
                effective = current == null ? null : effective(current, p.id(), now);
                isErased = erased.contains(id);
            }
            if (decide(p, effective, isErased, now).allowed()) {
                allowed.add(id);
            }
        }
        return allowed;
    }

    private static boolean isPseudonym(SubjectId id) {
        return id.value().startsWith("erased-") && PSEUDONYM.matcher(id.value()).matches();
    }

    /** Which of {@code withoutStatements} were erased: their keyed pseudonym's chain ends in an erasure. */
    private Set<SubjectId> erasedAmong(List<SubjectId> withoutStatements) {
        if (pseudonymKey == null || withoutStatements.isEmpty()) {
            return Set.of();
        }
        Map<SubjectId, SubjectId> byPseudonym = new LinkedHashMap<>();
        for (SubjectId id : withoutStatements) {
            byPseudonym.put(pseudonym(id), id);
        }
        return store.states(tenant, byPseudonym.keySet()).values().stream().filter(SubjectState::erased)
                .map(s -> byPseudonym.get(s.subject())).collect(Collectors.toSet());
    }

    /** The rules of the SPEC, given the effective statement (or null) and the erased flag. */
    private ConsentDecision decide(Purpose p, @Nullable ConsentRecord effective, boolean erased, Instant at) {
        if (erased) {
            return decision(p, DecisionReason.ERASED, null, at);
        }
        if (p.basis().independentOfChoice()) {
            return decision(p, DecisionReason.LEGAL_BASIS, null, at);
        }
        if (p.basis() == LegalBasis.LEGITIMATE_INTERESTS) {
            if (effective != null && effective.status().isRefusal()) {
                return decision(p, refusalReason(effective.status()), effective, at);
            }
            return decision(p, DecisionReason.NOT_OBJECTED, effective, at);
        }
        if (effective == null) {
            return decision(p, DecisionReason.NO_RECORD, null, at);
        }
        switch (effective.status()) {
            case GRANTED:
                int reconsentFrom = purposes.current(effective.purpose()).map(Purpose::reconsentFromVersion).orElse(1);
                if (effective.purposeVersion() < reconsentFrom) {
                    return decision(p, DecisionReason.RECONSENT_REQUIRED, effective, at);
                }
                if (effective.isExpiredAt(at)) {
                    return decision(p, DecisionReason.EXPIRED, effective, at);
                }
                return decision(p, DecisionReason.GRANTED, effective, at);
            case PENDING:
                return decision(p, DecisionReason.PENDING_CONFIRMATION, effective, at);
            default:
                return decision(p, refusalReason(effective.status()), effective, at);
        }
    }

    private static DecisionReason refusalReason(ConsentStatus status) {
        switch (status) {
            case DENIED:
                return DecisionReason.DENIED;
            case WITHDRAWN:
                return DecisionReason.WITHDRAWN;
            case OPTED_OUT:
                return DecisionReason.OPTED_OUT;
            default:
                throw new IllegalArgumentException("not a refusal: " + status);
        }
    }

    private static ConsentDecision decision(Purpose p, DecisionReason reason, @Nullable ConsentRecord r, Instant at) {
        return new ConsentDecision(p.id(), reason, p.version(), p.basis(), Optional.ofNullable(r), at);
    }

    /** The latest statement (effective by {@code at}) on {@code purpose} or any ancestor. */
    private @Nullable ConsentRecord effective(Map<PurposeId, ConsentRecord> current, PurposeId purpose, Instant at) {
        List<PurposeId> cover = covering.get(purpose);
        if (cover == null) {
            cover = purpose.selfAndAncestors();
        }
        ConsentRecord best = null;
        for (PurposeId id : cover) {
            ConsentRecord r = current.get(id);
            if (r != null && !r.effectiveAt().isAfter(at) && (best == null || SubjectState.supersedes(r, best))) {
                best = r;
            }
        }
        return best;
    }

    // ------------------------------------------------------------------ auditing

    /** Consent records matching {@code query}, in append order. Must be closed (use try-with-resources). */
    public Stream<ConsentRecord> history(HistoryQuery query) {
        return store.history(tenant, Objects.requireNonNull(query, "query"))
                .filter(ConsentRecord.class::isInstance).map(ConsentRecord.class::cast);
    }

    /** Every audit entry (consents, preferences, erasures) matching {@code query}. Must be closed. */
    public Stream<AuditEntry> auditTrail(HistoryQuery query) {
        return store.history(tenant, Objects.requireNonNull(query, "query"));
    }

    /** Recomputes every chain of this tenant; names the first broken entry of each broken chain. */
    public VerificationReport verify() {
        return store.verify(tenant, Optional.empty());
    }

    /** Recomputes one subject's chain. */
    public VerificationReport verify(String subject) {
        return store.verify(tenant, Optional.of(SubjectId.of(subject)));
    }

    /**
     * Erases a subject (GDPR Art. 17): its identifier is replaced by a keyed pseudonym in every entry, the
     * personal evidence (IP address, user agent, comment, idempotency key) is removed, and an erasure entry
     * closes the chain. Afterwards the chain still verifies and every check answers
     * {@link DecisionReason#ERASED}. Needs {@link Builder#pseudonymKey(byte[])}.
     *
     * @return the erasure entry, or empty if the store held nothing for the subject
     */
    public Optional<ErasureRecord> erase(String subject, String reason) {
        if (pseudonymKey == null) {
            throw new IllegalStateException("erase needs a pseudonymKey: ConsentManager.builder().pseudonymKey(...)");
        }
        List<InvalidConsentRequestException.Violation> violations = new ArrayList<>();
        addProblem(violations, "subject", SubjectId.problem(subject));
        if (reason == null || reason.isBlank() || reason.length() > 255 || TextValidators.hasControlCharacter(reason, false)) {
            violations.add(new InvalidConsentRequestException.Violation("reason",
                    "must be 1..255 characters without control characters"));
        }
        throwIfAny(violations);
        SubjectId id = SubjectId.of(subject);
        SubjectId pseudonym = pseudonym(id);
        Instant now = now();
        Optional<ErasureRecord> erased = store.erase(tenant, id, pseudonym, state -> new ErasureRecord(
                UUID.randomUUID(), tenant, pseudonym, reason, now,
                AuditChain.personalDataDigest(pseudonym, null, null, null, null), ChainLink.UNSEALED));
        erased.ifPresent(e -> {
            log.info("Subject erased: tenant={}, erasure entry={}", tenant, e.id());
            publish(List.of(e));
        });
        return erased;
    }

    // ------------------------------------------------------------------ accessors

    /** Every declared purpose with every version. */
    public PurposeRegistry purposes() {
        return purposes;
    }

    /** The tenant this manager records for. */
    public String tenant() {
        return tenant;
    }

    /** The clock used for every timestamp. */
    public Clock clock() {
        return clock;
    }

    /** The store. */
    public ConsentStore store() {
        return store;
    }

    /** The declared preferences by key. */
    public Map<String, PreferenceDefinition> preferenceDefinitions() {
        return preferenceDefinitions;
    }

    // ------------------------------------------------------------------ internals

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private Purpose purpose(String purpose) {
        Purpose p = purpose == null ? null : purposesByName.get(purpose);
        if (p != null) {
            return p;
        }
        PurposeId.of(purpose); // a malformed id is a bad request rather than an unknown purpose
        throw new UnknownPurposeException(purpose);
    }

    private List<InvalidConsentRequestException.Violation> validate(ConsentCommand c, String prefix) {
        List<InvalidConsentRequestException.Violation> found = new ArrayList<>(violations(validator.validate(c), prefix));
        // SubjectId.problem and PurposeId.problem report null too (the @NotNull violations are dropped above)
        addProblem(found, prefix + "subject", SubjectId.problem(c.subject()));
        String shape = PurposeId.problem(c.purpose());
        if (shape != null) {
            found.add(new InvalidConsentRequestException.Violation(prefix + "purpose", shape));
        } else {
            Purpose p = purposesByName.get(c.purpose());
            if (p == null) {
                found.add(new InvalidConsentRequestException.Violation(prefix + "purpose", "must be a declared purpose"));
            } else if (c.purposeVersion() != null && c.purposeVersion().isPresent()
                    && purposes.version(p.id(), c.purposeVersion().get()).isEmpty()) {
                found.add(new InvalidConsentRequestException.Violation(prefix + "purposeVersion",
                        "must be a declared version of the purpose"));
            }
        }
        if (c.pendingConfirmation() && c.status() != ConsentStatus.GRANTED) {
            found.add(new InvalidConsentRequestException.Violation(prefix + "pendingConfirmation",
                    "applies to grants only"));
        }
        if (c.effectiveAt() != null && c.effectiveAt().isPresent() && c.effectiveAt().get().isBefore(EARLIEST)) {
            found.add(new InvalidConsentRequestException.Violation(prefix + "effectiveAt", "must not be before 1970"));
        }
        found.sort(Comparator.comparing(InvalidConsentRequestException.Violation::field));
        return found;
    }

    private Evidence validEvidence(Evidence evidence) {
        List<InvalidConsentRequestException.Violation> found = violations(validator.validate(evidence), "evidence.");
        throwIfAny(found);
        return evidence;
    }

    private static <T> List<InvalidConsentRequestException.Violation> violations(Set<ConstraintViolation<T>> set,
                                                                              String prefix) {
        List<InvalidConsentRequestException.Violation> result = new ArrayList<>();
        for (ConstraintViolation<T> v : set) {
            String field = prefix + fieldName(v.getPropertyPath());
            if (field.endsWith("subject") || field.endsWith("purpose")) {
                continue; // reported by the id checks, which say more
            }
            result.add(new InvalidConsentRequestException.Violation(field, v.getMessage()));
        }
        return result;
    }

    private static String fieldName(Path path) {
        List<String> names = new ArrayList<>();
        for (Path.Node node : path) {
            String name = node.getName();
            if (name != null && !name.startsWith("<")) {
                names.add(name);
            }
        }
        return String.join(".", names);
    }

    private static void addProblem(List<InvalidConsentRequestException.Violation> violations, String field,
                                   @Nullable String problem) {
        if (problem != null) {
            violations.add(new InvalidConsentRequestException.Violation(field, problem));
        }
    }

    private static void throwIfAny(List<InvalidConsentRequestException.Violation> violations) {
        if (!violations.isEmpty()) {
            throw new InvalidConsentRequestException(violations);
        }
    }

    private boolean isErased(SubjectId subject) {
        if (pseudonymKey == null) {
            return false;
        }
        return store.state(tenant, pseudonym(subject)).map(SubjectState::erased).orElse(false);
    }

    private Optional<SubjectId> pseudonymFor(SubjectId subject) {
        return pseudonymKey == null ? Optional.empty() : Optional.of(pseudonym(subject));
    }

    private SubjectId pseudonym(SubjectId subject) {
        Mac mac = pseudonymMac.get();
        mac.update(tenant.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        return new SubjectId("erased-" + HexFormat.of().formatHex(mac.doFinal(subject.value().getBytes(StandardCharsets.UTF_8))));
    }

    /** A keyed HMAC per thread: looking the algorithm up and keying it costs more than the hashing itself. */
    private Mac newPseudonymMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Objects.requireNonNull(pseudonymKey), "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
    }

    /**
     * Tells the listeners about written entries once they are committed: at once when the store committed them,
     * through the {@link CommitHook} when they sit in the caller's transaction, and not at all when they sit in a
     * caller's transaction that no hook can follow (the outbox carries those).
     */
    private void publish(List<AuditEntry> entries) {
        if (entries.isEmpty() || listeners.isEmpty()) {
            return;
        }
        List<AuditEntry> written = List.copyOf(entries);
        if (commitHook != null && commitHook.afterCommit(() -> deliver(written))) {
            return;
        }
        if (store.joinsCallerTransaction()) {
            if (warnedListenersSkipped.compareAndSet(false, true)) {
                log.warn("A write joined the caller's transaction and no CommitHook is configured, so consent "
                        + "listeners are not called for such writes (they could still roll back); configure "
                        + "ConsentManager.builder().commitHook(...) or deliver changes with the JDBC OutboxRelay");
            }
            log.debug("Listeners skipped for {} entries written in the caller's transaction", written.size());
            return;
        }
        deliver(written);
    }

    private void deliver(List<AuditEntry> entries) {
        for (AuditEntry e : entries) {
            if (log.isDebugEnabled()) {
                log.debug("Committed {} {} seq={}", e.getClass().getSimpleName(), e.id(), e.link().sequence());
            }
            for (ConsentListener l : listeners) {
                try {
                    l.onCommitted(e);
                } catch (RuntimeException ex) {
                    log.warn("Consent listener {} failed for entry {}", l.getClass().getName(), e.id(), ex);
                }
            }
        }
    }

    /** One validator factory for all managers (building one takes long); each manager brings its own clock. */
    private static final class Validators {
        static final jakarta.validation.ValidatorFactory FACTORY = Validation.byProvider(HibernateValidator.class)
                .configure()
                .messageInterpolator(new ParameterMessageInterpolator())
                .buildValidatorFactory();

        private Validators() {
        }
    }

    /** Builds a {@link ConsentManager}. */
    public static final class Builder {
        private final List<Purpose> purposes = new ArrayList<>();
        private @Nullable ConsentStore store;
        private Clock clock = Clock.systemUTC();
        private EvidencePolicy evidencePolicy = EvidencePolicy.defaults();
        private final List<ConsentListener> listeners = new ArrayList<>();
        private @Nullable CommitHook commitHook;
        private @Nullable DecisionObserver decisionObserver;
        private String tenant = "default";
        private final Map<String, PreferenceDefinition> preferences = new LinkedHashMap<>();
        private byte @Nullable [] pseudonymKey;

        private Builder() {
        }

        /** Declares purposes; several versions of one purpose may be given. */
        public Builder purposes(Purpose... purposes) {
            return purposes(Arrays.asList(purposes));
        }

        /** Declares purposes; several versions of one purpose may be given. */
        public Builder purposes(Collection<Purpose> purposes) {
            purposes.forEach(p -> this.purposes.add(Objects.requireNonNull(p, "purpose")));
            return this;
        }

        /** The store; defaults to a new {@link InMemoryConsentStore}. */
        public Builder store(ConsentStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The clock for every timestamp; defaults to {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How IP addresses and user agents are minimised; defaults to {@link EvidencePolicy#defaults()}. */
        public Builder evidencePolicy(EvidencePolicy evidencePolicy) {
            this.evidencePolicy = Objects.requireNonNull(evidencePolicy, "evidencePolicy");
            return this;
        }

        /** Adds a listener for committed entries. */
        public Builder listener(ConsentListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Bridges to the application's transaction manager so that listeners hear of a write made inside the
         * caller's transaction only after that transaction commits (see {@link CommitHook}). Optional: without
         * it, listeners are called at once for writes the store committed itself and not at all for writes in a
         * caller's transaction.
         */
        public Builder commitHook(CommitHook commitHook) {
            this.commitHook = Objects.requireNonNull(commitHook, "commitHook");
            return this;
        }

        /** Told of every {@code check} and {@code require} decision with its duration, for metrics. Optional. */
        public Builder decisionObserver(DecisionObserver decisionObserver) {
            this.decisionObserver = Objects.requireNonNull(decisionObserver, "decisionObserver");
            return this;
        }

        /** The tenant (brand or business unit); defaults to {@code default}. */
        public Builder tenant(String tenant) {
            this.tenant = tenant;
            return this;
        }

        /** Declares communication preferences. */
        public Builder preferences(PreferenceDefinition... definitions) {
            for (PreferenceDefinition d : definitions) {
                this.preferences.put(d.key(), d);
            }
            return this;
        }

        /**
         * The secret key (16 bytes or more) for the keyed pseudonyms that replace erased subjects' identifiers.
         * Keep it stable and secret: it is how an erased subject is recognised again. Copied.
         */
        public Builder pseudonymKey(byte[] key) {
            this.pseudonymKey = key.clone();
            return this;
        }

        /**
         * Builds the manager.
         *
         * @throws IllegalStateException naming the missing or invalid property
         */
        public ConsentManager build() {
            if (purposes.isEmpty()) {
                throw new IllegalStateException("purposes: declare at least one purpose");
            }
            if (tenant == null || !TENANT.matcher(tenant).matches()) {
                throw new IllegalStateException("tenant: must match " + TENANT.pattern());
            }
            if (pseudonymKey != null && pseudonymKey.length < 16) {
                throw new IllegalStateException("pseudonymKey: must be at least 16 bytes");
            }
            PurposeRegistry registry;
            try {
                registry = PurposeRegistry.of(purposes);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("purposes: " + e.getMessage(), e);
            }
            return new ConsentManager(this, registry);
        }
    }
}
