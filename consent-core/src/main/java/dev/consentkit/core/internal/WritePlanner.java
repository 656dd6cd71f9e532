package dev.consentkit.core.internal;

import dev.consentkit.core.Actor;
import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.ErasureRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.EvidencePolicy;
import dev.consentkit.core.InvalidConfirmationException;
import dev.consentkit.core.ObjectionInForceException;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeRegistry;
import dev.consentkit.core.SubjectErasedException;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.spi.ConsentStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Internal API; may change without notice. Turns a manager's validated writes into drafts and write plans, appends
 * them through the {@link ChainWriter} and publishes what was written. Before the first write it saves the
 * declared purposes in the store, once (thread-safe; retried after a failure or a rolled-back caller transaction).
 */
public final class WritePlanner {

    private final ConsentStore store;
    private final String tenant;
    private final PurposeIndex purposes;
    private final DecidingRules rules;
    private final EvidencePolicy evidencePolicy;
    private final Pseudonyms pseudonyms;
    private final ChainWriter writer;
    private final ListenerDispatch listeners;
    private final Object savingPurposes = new Object();
    /**
     * Evidence recently recorded that holds no personal field, by hash: records captured alike (same form, notice,
     * locale, actor) share one instance instead of one copy each. Evidence with an IP address, user agent or
     * comment is never kept here, so nothing personal outlives its records (erasure removes it from them).
     * Racy by design: the slots hold immutable values, a lost update only costs a copy.
     */
    private final Evidence[] sharedEvidence = new Evidence[64];

    private volatile boolean purposesSaved;

    public WritePlanner(
            ConsentStore store,
            String tenant,
            PurposeIndex purposes,
            DecidingRules rules,
            EvidencePolicy evidencePolicy,
            Pseudonyms pseudonyms,
            ListenerDispatch listeners,
            ChainTimeline timeline) {
        this.store = store;
        this.tenant = tenant;
        this.purposes = purposes;
        this.rules = rules;
        this.evidencePolicy = evidencePolicy;
        this.pseudonyms = pseudonyms;
        this.writer = new ChainWriter(store, timeline);
        this.listeners = listeners;
    }

    /**
     * Saves every declared purpose version in the store (the store keeps what it already has). When the store
     * joins the caller's transaction, the save commits or rolls back with it; applications that write inside
     * their own transactions call {@code ConsentManager.savePurposes()} once at start-up (the Spring
     * auto-configuration does) so that a rolled-back first write cannot leave them unsaved.
     */
    public void savePurposes() {
        synchronized (savingPurposes) {
            store.savePurposes(tenant, purposes.registry().allVersions());
            purposesSaved = true;
        }
    }

    /** Saves the purposes unless they are known to be saved: once, before the first write; a failure is retried. */
    private void purposesSavedBeforeWriting() {
        if (!purposesSaved) {
            synchronized (savingPurposes) {
                if (!purposesSaved) {
                    savePurposes();
                }
            }
        }
    }

    /**
     * Records validated commands as one unit; the stored (or, for a known idempotency key with the same command,
     * earlier) records. A command without a key gets a generated one ({@link IdempotencyKeys#generated()}).
     */
    public List<ConsentRecord> recordAll(List<ConsentCommand> commands, Instant now) {
        List<AppendRequest> requests = new ArrayList<>(commands.size());
        Map<String, SubjectId> ids = new HashMap<>(); // one id per subject of the batch, shared by its records
        for (ConsentCommand c : commands) {
            SubjectId subject = ids.computeIfAbsent(c.subject(), SubjectId::of);
            // every consent record carries a key, the caller's or a generated one, so a commit whose outcome is
            // unknown can be looked up by it; the command's digest goes with it, so the key names this command only
            String key = c.idempotencyKey().orElseGet(IdempotencyKeys::generated);
            ConsentRecord record = draft(c, subject, key, now);
            requests.add(new AppendRequest(
                    tenant,
                    subject,
                    Optional.of(key),
                    pseudonyms.ifAvailable(subject),
                    planFor(c, record, now),
                    c.effectiveAt().isPresent() ? Set.of(record.id()) : Set.of(),
                    Optional.of(CommandDigest.of(c, subject, record.evidence()))));
        }
        purposesSavedBeforeWriting();
        List<AppendResult> results = writer.appendAll(requests);
        List<ConsentRecord> recorded = new ArrayList<>(results.size());
        List<AuditEntry> written = new ArrayList<>();
        for (AppendResult r : results) {
            recorded.add((ConsentRecord) r.entries().get(0));
            if (!r.replayed()) {
                written.addAll(r.entries());
            }
        }
        listeners.publish(written);
        return recorded;
    }

    private ConsentRecord draft(ConsentCommand c, SubjectId subject, String idempotencyKey, Instant now) {
        Purpose current = purposes.require(c.purpose());
        PurposeRegistry registry = purposes.registry();
        Purpose shown = registry.version(current.id(), c.purposeVersion().orElse(current.version()))
                .orElseThrow();
        return RecordDraft.statement(tenant, subject, shown, c.storedStatus(), now)
                .effectiveAt(c.effectiveAt()
                        .map(t -> t.truncatedTo(ChronoUnit.MICROS))
                        .orElse(now))
                .idempotencyKey(Optional.of(idempotencyKey))
                .evidence(shared(evidencePolicy.apply(c.evidence())))
                .build();
    }

    private Evidence shared(Evidence e) {
        if (e.ipAddress().isPresent()
                || e.userAgent().isPresent()
                || e.comment().isPresent()) {
            return e;
        }
        int slot = e.hashCode() & (sharedEvidence.length - 1);
        Evidence known = sharedEvidence[slot];
        if (e.equals(known)) {
            return known;
        }
        sharedEvidence[slot] = e;
        return e;
    }

    private WritePlan planFor(ConsentCommand c, ConsentRecord record, Instant now) {
        Purpose current = purposes.require(c.purpose());
        ConsentStatus status = record.status();
        Evidence evidence = record.evidence();
        return WritePlan.reading(purposes.coveringOfCovered(current.id()), state -> {
            if (state.erased()) {
                throw new SubjectErasedException();
            }
            if ((status == ConsentStatus.GRANTED || status == ConsentStatus.PENDING)
                    && rules.objectionInForce(state.current(), current, evidence)) {
                throw new ObjectionInForceException(current.id());
            }
            return List.of(record);
        });
    }

    /** Applies a validated Global Privacy Control signal; the opt-outs written (none for an erased subject). */
    public List<ConsentRecord> applyGlobalPrivacyControl(
            SubjectId subject, Evidence validated, Instant now, Set<UUID> confirmedGrants) {
        Evidence gpc = evidencePolicy.apply(validated);
        purposesSavedBeforeWriting();
        AppendResult result = writer.append(new AppendRequest(
                tenant,
                subject,
                Optional.empty(),
                pseudonyms.ifAvailable(subject),
                WritePlan.reading(purposes.coveringSaleOrShare(), state -> {
                    if (state.erased()) {
                        return List.of();
                    }
                    List<AuditEntry> planned = new ArrayList<>();
                    for (DecidingRules.SignalOptOut o : rules.signalOptOuts(state.current(), confirmedGrants)) {
                        planned.add(RecordDraft.statement(tenant, subject, o.purpose(), ConsentStatus.OPTED_OUT, now)
                                .evidence(gpc)
                                .conflict(o.conflict())
                                .build());
                    }
                    return planned;
                })));
        listeners.publish(result.entries());
        return result.entries().stream().map(ConsentRecord.class::cast).toList();
    }

    /** Confirms the pending grant with id {@code token}. */
    public ConsentRecord confirm(UUID token, String tokenText, Instant now) {
        ConsentRecord pending = store.findRecord(tenant, token)
                .filter(r -> r.status() == ConsentStatus.PENDING)
                .orElseThrow(() -> new InvalidConfirmationException("No pending grant has this confirmation token"));
        Purpose shown = purposes.registry()
                .version(pending.purpose(), pending.purposeVersion())
                .orElseThrow();
        Evidence evidence = pending.evidence().toBuilder()
                .actor(Actor.subject())
                .proofReference(tokenText)
                .build();
        ConsentRecord granted = RecordDraft.statement(tenant, pending.subject(), shown, ConsentStatus.GRANTED, now)
                .evidence(evidence)
                .build();
        purposesSavedBeforeWriting();
        AppendResult result = writer.append(new AppendRequest(
                tenant, pending.subject(), Optional.empty(), WritePlan.reading(Set.of(pending.purpose()), state -> {
                    if (state.erased()) {
                        throw new SubjectErasedException();
                    }
                    ConsentRecord current = state.current().get(pending.purpose());
                    if (current == null || !current.id().equals(token)) {
                        throw new InvalidConfirmationException("The pending grant was already confirmed or superseded");
                    }
                    return List.of(granted);
                })));
        listeners.publish(result.entries());
        return (ConsentRecord) result.entries().get(0);
    }

    /** Records a validated preference change. */
    public PreferenceRecord setPreference(SubjectId subject, String key, String value, Evidence evidence, Instant now) {
        PreferenceRecord entry =
                RecordDraft.preference(tenant, subject, key, value, now, evidencePolicy.apply(evidence));
        purposesSavedBeforeWriting();
        AppendResult result = writer.append(new AppendRequest(
                tenant,
                subject,
                Optional.empty(),
                pseudonyms.ifAvailable(subject),
                // a preference reads no current record
                WritePlan.reading(Set.of(), state -> {
                    if (state.erased()) {
                        throw new SubjectErasedException();
                    }
                    return List.of(entry);
                })));
        listeners.publish(result.entries());
        return (PreferenceRecord) result.entries().get(0);
    }

    /** Erases the subject; the erasure entry, or empty if the store held nothing for it. */
    public Optional<ErasureRecord> erase(SubjectId subject, String reason, Instant now) {
        SubjectId pseudonym = pseudonyms.of(subject);
        purposesSavedBeforeWriting();
        Optional<ErasureRecord> erased =
                writer.erase(tenant, subject, pseudonym, state -> RecordDraft.erasure(tenant, pseudonym, reason, now));
        erased.ifPresent(e -> listeners.publish(List.of(e)));
        return erased;
    }
}
