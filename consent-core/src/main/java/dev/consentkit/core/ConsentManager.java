package dev.consentkit.core;

import static dev.consentkit.core.internal.CommandValidator.required;

import dev.consentkit.core.internal.ChainTimeline;
import dev.consentkit.core.internal.CommandValidator;
import dev.consentkit.core.internal.DecidingRules;
import dev.consentkit.core.internal.ListenerDispatch;
import dev.consentkit.core.internal.Pseudonyms;
import dev.consentkit.core.internal.PurposeIndex;
import dev.consentkit.core.internal.RecordReader;
import dev.consentkit.core.internal.TableDecider;
import dev.consentkit.core.internal.WritePlanner;
import dev.consentkit.core.spi.ConsentStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * task allow ({@link DecisionReason#LEGAL_BASIS}); otherwise the <em>effective record</em> is the latest
 * (by effective time, then by chain order) on the purpose or any ancestor. Consent purposes need an effective
 * unexpired grant at or above the purpose's reconsent version; legitimate-interest purposes are allowed unless
 * the effective record says no.
 *
 * <p>Building a manager touches no store. The declared purposes (every version) are saved in the store before the
 * manager's first write, once, or when {@link #savePurposes()} is called; tools that open the store without the
 * application's code (the CLI) read them from there. Every method that takes a subject or a purpose as a string
 * has a twin taking {@link SubjectId} / {@link PurposeId}; a null argument is an
 * {@link InvalidConsentRequestException} naming the parameter, and nothing is written.
 */
public final class ConsentManager {

    private static final Logger log = LoggerFactory.getLogger(ConsentManager.class);

    private final ConsentStore store;
    private final PurposeIndex purposes;
    private final Clock clock;
    private final String tenant;
    private final Map<String, PreferenceDefinition> preferenceDefinitions;
    private final Pseudonyms pseudonyms;
    private final CommandValidator validator;
    private final RecordReader reader;
    private final WritePlanner writer;
    private final ChainTimeline timeline;
    private final @Nullable CheckpointKey checkpointKey;
    private final Duration checkpointGrace;
    /** Decides {@link #allowed} from the in-memory store's flat table; null for other stores or with an observer. */
    private final @Nullable TableDecider table;

    ConsentManager(ConsentManagerBuilder b, PurposeRegistry registry) {
        ConsentStore chosen = b.store == null ? new InMemoryConsentStore() : b.store;
        this.store = b.cache == null ? chosen : b.cache.wrap(chosen, b.commitHook);
        this.purposes = new PurposeIndex(registry);
        this.clock = b.clock;
        this.tenant = b.tenant;
        this.preferenceDefinitions = Map.copyOf(b.preferences);
        this.checkpointKey = b.checkpointKey;
        this.checkpointGrace = b.checkpointGrace;
        this.pseudonyms = new Pseudonyms(tenant, b.pseudonymKey);
        DecidingRules rules = new DecidingRules(purposes);
        this.validator = new CommandValidator(clock, purposes);
        this.reader = new RecordReader(store, tenant, purposes, rules, pseudonyms, b.decisionObserver);
        this.timeline = new ChainTimeline(registry, b.maxClockSkew, tenant);
        // with a decision observer every decision goes through check, so that the observer sees it
        this.table = store instanceof InMemoryConsentStore memory && b.decisionObserver == null
                ? new TableDecider(memory.decidingTable().tenant(tenant), registry, clock)
                : null;
        this.writer = new WritePlanner(
                store,
                tenant,
                purposes,
                rules,
                b.evidencePolicy,
                pseudonyms,
                new ListenerDispatch(b.listeners, b.commitHook, store),
                timeline);
        log.info(
                "ConsentKit manager ready: tenant={}, purposes={}, store={}{}",
                tenant,
                registry.currentPurposes().size(),
                chosen.getClass().getSimpleName(),
                b.cache == null ? "" : " (cached)");
        if (b.store == null) {
            log.warn(
                    "ConsentKit manager for tenant {} keeps choices in memory only: they are lost when the process "
                            + "ends; configure ConsentManager.builder().store(...) to keep them",
                    tenant);
        }
        if (!pseudonyms.available()) {
            log.info("ConsentKit manager for tenant {} has no pseudonymKey: erase is unavailable", tenant);
        }
    }

    /** A builder; {@link ConsentManagerBuilder#purposes} is required, everything else has a default. */
    public static ConsentManagerBuilder builder() {
        return new ConsentManagerBuilder();
    }

    /**
     * Saves every declared purpose version in the store now (stores keep versions they already hold). Optional:
     * the manager also does it by itself, once, before its first write.
     */
    public void savePurposes() {
        writer.savePurposes();
    }

    /**
     * Validates and stores one consent record; returns it. An idempotency key names one command: the same key
     * with the same command returns the first record and writes nothing; a command without a key gets a
     * generated one ({@code ck:} and a random UUID).
     *
     * @throws InvalidConsentRequestException listing every violation; nothing is written
     * @throws IdempotencyConflictException   if the key was already used for a different command; nothing is written
     * @throws ObjectionInForceException      for a grant that may not lift a direct-marketing objection
     * @throws SubjectErasedException         if the subject was erased
     */
    public ConsentRecord record(ConsentCommand command) {
        return recordAll(List.of(required(command, "command"))).get(0);
    }

    /**
     * Validates every command first, then records them all as one unit (all or none, where the store
     * supports it; {@link InMemoryConsentStore} and the JDBC store do). Commands for the same subject apply in
     * list order. Returns the stored (or, for a key already used with the same command, the earlier) records in
     * order. Two commands of the batch may not share an idempotency key, not even two equal ones.
     *
     * @throws InvalidConsentRequestException listing every violation, a repeated key as
     *                                        {@code commands[i].idempotencyKey}; nothing is written
     * @throws IdempotencyConflictException   if a key was already used for a different command; nothing is written
     */
    public List<ConsentRecord> recordAll(List<ConsentCommand> commands) {
        Instant now = now();
        validator.validateAll(commands);
        return writer.recordAll(commands, now);
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
        return applyGlobalPrivacyControl(SubjectId.of(subject), evidence);
    }

    /** {@link #applyGlobalPrivacyControl(String, Evidence)} for a typed subject id. */
    public List<ConsentRecord> applyGlobalPrivacyControl(SubjectId subject, Evidence evidence) {
        required(subject, "subject");
        Evidence gpc = validator.evidence(required(evidence, "evidence").toBuilder()
                .source(Source.GPC_SIGNAL)
                .build());
        Instant now = now();
        return writer.applyGlobalPrivacyControl(subject, gpc, now, reader.grantsGivenAfterASignal(subject));
    }

    /**
     * Confirms a double opt-in: {@code confirmationToken} is the id of the {@code PENDING} record (send it in
     * the confirmation link). Records a new {@code GRANTED} record whose proof reference is the token.
     *
     * @throws InvalidConfirmationException if the token is malformed or unknown, or the pending grant was
     *                                      already confirmed or superseded
     */
    public ConsentRecord confirm(String confirmationToken) {
        UUID id;
        try {
            id = UUID.fromString(required(confirmationToken, "confirmationToken"));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfirmationException("The confirmation token is malformed");
        }
        return writer.confirm(id, confirmationToken, now());
    }

    /**
     * Records a communication preference; audited in the subject's chain like every record.
     *
     * @throws InvalidConsentRequestException naming {@code subject}, {@code key}, {@code value} or an evidence
     *                                        field; nothing is written
     */
    public PreferenceRecord setPreference(String subject, String key, String value, Evidence evidence) {
        validator.preference(subject, key, value, evidence, preferenceDefinitions);
        return writer.setPreference(SubjectId.of(subject), key, value, evidence, now());
    }

    /** {@link #setPreference(String, String, String, Evidence)} for a typed subject id. */
    public PreferenceRecord setPreference(SubjectId subject, String key, String value, Evidence evidence) {
        return setPreference(required(subject, "subject").value(), key, value, evidence);
    }

    /** The subject's value for {@code key}, or the definition's default; empty if neither. */
    public Optional<String> preference(String subject, String key) {
        return preference(SubjectId.of(subject), key);
    }

    /** {@link #preference(String, String)} for a typed subject id. */
    public Optional<String> preference(SubjectId subject, String key) {
        required(subject, "subject");
        return reader.preference(subject, key, CommandValidator.declaredPreference(key, preferenceDefinitions));
    }

    /** Every declared preference that has a value (chosen or default) for the subject, by key. */
    public Map<String, String> preferences(String subject) {
        return preferences(SubjectId.of(subject));
    }

    /** {@link #preferences(String)} for a typed subject id. */
    public Map<String, String> preferences(SubjectId subject) {
        return reader.preferences(required(subject, "subject"), preferenceDefinitions);
    }

    /** May the subject's data be processed for {@code purpose} now? */
    public ConsentDecision check(String subject, String purpose) {
        return reader.check(SubjectId.of(subject), purposes.require(purpose), now());
    }

    /** May the subject's data be processed for {@code purpose} now? */
    public ConsentDecision check(SubjectId subject, PurposeId purpose) {
        return reader.check(required(subject, "subject"), purposes.require(required(purpose, "purpose")), now());
    }

    /**
     * May the subject's data be processed for {@code purpose} now? The same rules and the same answer as
     * {@code check(subject, purpose).allowed()}, for the hot path: with the default {@link InMemoryConsentStore}
     * (and no {@link ConsentManagerBuilder#decisionObserver decision observer}) it allocates nothing, reading a flat
     * table of the records in force that the store republishes on every write; with any other store it reads only
     * the deciding values of the subject's current records (on a database, the state rows, never the audit log, so
     * it costs less than a check, which also returns the deciding record with its evidence). Never throws for a
     * valid call; an invalid or null subject id or purpose name, or an undeclared purpose, throws as
     * {@link #check(String, String)} does.
     */
    public boolean allowed(String subject, String purpose) {
        TableDecider t = table;
        if (t != null) {
            int decided = t.decide(subject, purpose);
            if (decided != TableDecider.UNDECIDED) {
                return decided == TableDecider.ALLOW;
            }
        }
        return reader.allowed(SubjectId.of(subject), purposes.require(purpose), now());
    }

    /** {@link #allowed(String, String)} for typed ids. */
    public boolean allowed(SubjectId subject, PurposeId purpose) {
        if (subject == null || purpose == null) {
            return check(subject, purpose).allowed(); // refused, naming the parameter
        }
        return allowed(subject.value(), purpose.value());
    }

    /** Was processing allowed at {@code at}, from everything recorded so far? */
    public ConsentDecision checkAt(String subject, String purpose, Instant at) {
        return checkAt(subject, purpose, at, now());
    }

    /** {@link #checkAt(String, String, Instant)} for typed ids. */
    public ConsentDecision checkAt(SubjectId subject, PurposeId purpose, Instant at) {
        return checkAt(subject, purpose, at, now());
    }

    /**
     * Was processing allowed at {@code at}, judged only from what had been recorded by {@code asKnownAt}?
     * The question an auditor asks about a past processing run. The purpose's current definition is applied.
     */
    public ConsentDecision checkAt(String subject, String purpose, Instant at, Instant asKnownAt) {
        return checkAt(SubjectId.of(subject), purposes.require(purpose), at, asKnownAt);
    }

    /** {@link #checkAt(String, String, Instant, Instant)} for typed ids. */
    public ConsentDecision checkAt(SubjectId subject, PurposeId purpose, Instant at, Instant asKnownAt) {
        return checkAt(required(subject, "subject"), purposes.require(required(purpose, "purpose")), at, asKnownAt);
    }

    private ConsentDecision checkAt(SubjectId subject, Purpose p, Instant at, Instant asKnownAt) {
        Instant now = now();
        CommandValidator.pastInstants(at, asKnownAt, now);
        return reader.decideAt(subject, p, at, asKnownAt, now);
    }

    /**
     * Like {@link #check(String, String)} but throws when processing is not allowed.
     *
     * @return the allowing decision
     * @throws ConsentDeniedException carrying the decision
     */
    public ConsentDecision require(String subject, String purpose) {
        return allowedOrThrow(check(subject, purpose));
    }

    /** {@link #require(String, String)} for typed ids. */
    public ConsentDecision require(SubjectId subject, PurposeId purpose) {
        return allowedOrThrow(check(subject, purpose));
    }

    private static ConsentDecision allowedOrThrow(ConsentDecision decision) {
        if (!decision.allowed()) {
            throw new ConsentDeniedException(decision);
        }
        return decision;
    }

    /** A decision for every declared purpose, from one read of the subject's state. */
    public SubjectConsents stateOf(String subject) {
        return stateOf(SubjectId.of(subject));
    }

    /** {@link #stateOf(String)} for a typed subject id. */
    public SubjectConsents stateOf(SubjectId subject) {
        return reader.stateOf(required(subject, "subject"), now());
    }

    /**
     * The subset of {@code candidates} whose data may be processed for {@code purpose} now, in candidate
     * order: one bulk read of the store, not one query per subject.
     */
    public Set<SubjectId> filterAllowed(String purpose, Collection<String> candidates) {
        Purpose p = purposes.require(purpose);
        return reader.filterAllowed(p, CommandValidator.candidates(candidates), now());
    }

    /** {@link #filterAllowed(String, Collection)} for typed ids. */
    public Set<SubjectId> filterAllowed(PurposeId purpose, Collection<SubjectId> candidates) {
        Purpose p = purposes.require(required(purpose, "purpose"));
        return reader.filterAllowed(p, CommandValidator.typedCandidates(candidates), now());
    }

    /**
     * Every subject whose data may be processed for {@code purpose} now, streamed from the store without a list of
     * candidates: the audience of a campaign that targets everyone who agreed. The rules are those of
     * {@link #check(String, String)} at the instant this is called: the record in force is the latest on the
     * purpose or any ancestor; consent purposes need an unexpired, confirmed grant at or above the reconsent
     * version; legitimate-interest purposes list every subject without an objection in force; contract, legal
     * obligation, vital interests and public task list every subject. A subject is listed only if the store holds
     * something for it (a check would allow anyone on the latter bases, but only known subjects can be listed),
     * and erased subjects never are. Subjects come once each, ordered by id in the shipped stores.
     *
     * <p>The stream may hold a database connection and cursor until it is closed: always use try-with-resources.
     * It reads the store as it goes, so writes made while it is read may or may not be seen.
     */
    public Stream<SubjectId> allowedSubjects(String purpose) {
        return reader.allowedSubjects(purposes.require(purpose), now());
    }

    /** {@link #allowedSubjects(String)} for a typed purpose id. Must be closed. */
    public Stream<SubjectId> allowedSubjects(PurposeId purpose) {
        return reader.allowedSubjects(purposes.require(required(purpose, "purpose")), now());
    }

    /** Consent records matching {@code query}, in append order. Must be closed (use try-with-resources). */
    public Stream<ConsentRecord> history(HistoryQuery query) {
        return auditTrail(query).filter(ConsentRecord.class::isInstance).map(ConsentRecord.class::cast);
    }

    /** Every audit entry (consents, preferences, erasures) matching {@code query}. Must be closed. */
    public Stream<AuditEntry> auditTrail(HistoryQuery query) {
        return store.history(tenant, required(query, "query"));
    }

    /** Recomputes every chain of this tenant; names the first broken entry of each broken chain. */
    public VerificationReport verify() {
        return store.verify(tenant, Optional.empty());
    }

    /** Recomputes one subject's chain. */
    public VerificationReport verify(String subject) {
        return verify(SubjectId.of(subject));
    }

    /** {@link #verify(String)} for a typed subject id. */
    public VerificationReport verify(SubjectId subject) {
        return store.verify(tenant, Optional.of(required(subject, "subject")));
    }

    /**
     * Signs a checkpoint of this tenant, keeps it in the store ({@link ConsentStore#saveCheckpoint}) and returns it:
     * give its {@link Checkpoint#toText() text} to the auditor, to keep outside the database. It covers every entry
     * recorded at or before now less {@link ConsentManagerBuilder#checkpointGrace(Duration) checkpointGrace} (a
     * minute by default), so that a write in flight (stamped before, committed after the checkpoint is read) or
     * stamped by an instance whose clock lags is not covered, rather than seen later as backdated. It counts the chains with such
     * entries and takes a Merkle root over each one's last such entry (see {@link Checkpoint}): one read of one row
     * per chain, and memory for a few dozen hashes whatever the number of chains. It signs what the log holds: run
     * {@link #verify()} as well to know the chains are intact.
     *
     * @throws IllegalStateException without a {@link ConsentManagerBuilder#checkpointKey checkpointKey} that can sign
     */
    public Checkpoint checkpoint() {
        CheckpointKey key = checkpointKey;
        if (key == null || !key.canSign()) {
            throw new IllegalStateException(
                    "checkpoint needs a signing key: ConsentManager.builder().checkpointKey(...)");
        }
        Checkpoint checkpoint = CheckpointVerifier.create(store, tenant, key, now().minus(checkpointGrace));
        store.saveCheckpoint(checkpoint);
        log.info(
                "Checkpoint signed: tenant={}, checkpoint={}, chains={}",
                tenant,
                checkpoint.id(),
                checkpoint.chainCount());
        return checkpoint;
    }

    /**
     * Recomputes every chain of this tenant ({@link #verify()}) and proves against {@code checkpoint} that nothing
     * recorded at or before it was removed, changed or rewound: a whole chain deleted with its head, or a chain
     * rewound together with its head and state, which {@link #verify()} alone cannot see. A forged or altered
     * checkpoint, or one of another tenant, is reported too. See {@link CheckpointVerifier}.
     *
     * @throws IllegalStateException without a {@link ConsentManagerBuilder#checkpointKey checkpointKey}
     */
    public VerificationReport verify(Checkpoint checkpoint) {
        required(checkpoint, "checkpoint");
        CheckpointKey key = checkpointKey;
        if (key == null) {
            throw new IllegalStateException(
                    "verifying a checkpoint needs its key: ConsentManager.builder().checkpointKey(...)");
        }
        return new CheckpointVerifier(store, tenant, key).verify(checkpoint);
    }

    /**
     * Erases a subject (GDPR Art. 17): its identifier is replaced by a keyed pseudonym in every entry, the
     * personal evidence (IP address, user agent, comment, idempotency key) is removed, and an erasure entry
     * closes the chain. Afterwards the chain still verifies and every check answers
     * {@link DecisionReason#ERASED}. Needs {@link ConsentManagerBuilder#pseudonymKey(byte[])}: without it this throws
     * {@link IllegalStateException} (the manager says so when it is built).
     *
     * @return the erasure entry, or empty if the store held nothing for the subject
     */
    public Optional<ErasureRecord> erase(String subject, String reason) {
        if (!pseudonyms.available()) {
            throw new IllegalStateException("erase needs a pseudonymKey: ConsentManager.builder().pseudonymKey(...)");
        }
        CommandValidator.erasure(subject, reason);
        Optional<ErasureRecord> erased = writer.erase(SubjectId.of(subject), reason, now());
        erased.ifPresent(e -> log.info("Subject erased: tenant={}, erasure entry={}", tenant, e.id()));
        return erased;
    }

    /** {@link #erase(String, String)} for a typed subject id. */
    public Optional<ErasureRecord> erase(SubjectId subject, String reason) {
        return erase(required(subject, "subject").value(), reason);
    }

    /** Every declared purpose with every version. */
    public PurposeRegistry purposes() {
        return purposes.registry();
    }

    /** The tenant this manager records for. */
    public String tenant() {
        return tenant;
    }

    /** The clock used for every timestamp. */
    public Clock clock() {
        return clock;
    }

    /**
     * How many writes of this manager were stamped later than its clock by more than
     * {@link ConsentManagerBuilder#maxClockSkew(Duration) maxClockSkew}. Time never runs backwards along a subject's chain: a
     * write is stamped no earlier than one microsecond after the chain's last entry, and a record that takes
     * effect when recorded takes effect then, so that what the subject said last decides even when another
     * instance's clock is ahead of this one (or this one was stepped back). Small corrections are normal (two
     * writes in one microsecond, clocks a few milliseconds apart); a count that grows means a clock is off. The
     * first such write is also logged at WARN, once per manager. Since the manager was built.
     */
    public long clockSkewCorrections() {
        return timeline.corrections();
    }

    /** The store (behind the decision cache when one is configured: then this is the caching store). */
    public ConsentStore store() {
        return store;
    }

    /** The declared preferences by key. */
    public Map<String, PreferenceDefinition> preferenceDefinitions() {
        return preferenceDefinitions;
    }

    /** Now by the manager's clock, truncated to microseconds so that every database stores it exactly. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
