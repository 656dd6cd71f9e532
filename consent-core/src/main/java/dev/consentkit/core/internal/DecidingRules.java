package dev.consentkit.core.internal;

import dev.consentkit.core.Actor;
import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentDecision;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.Source;
import dev.consentkit.core.spi.DecidingRecord;
import dev.consentkit.core.spi.SubjectState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. The deciding rules as pure functions of a manager's purposes and the
 * records handed in: no store, no clock. The manager reads the records and the time and asks these.
 */
public final class DecidingRules {

    private final PurposeIndex purposes;

    public DecidingRules(PurposeIndex purposes) {
        this.purposes = purposes;
    }

    /**
     * The record in force now on {@code purpose}: of the records in {@code current} on the purpose or any
     * ancestor, the latest by effective time, then by chain order, whatever their effective time says about the
     * reader's clock. Current records are what the subject said last (every command takes effect no later than
     * when it is recorded, and a chain's time never runs backwards), so a decision now follows them even when
     * the reader's clock is behind the writer's. Null if there is none.
     */
    public @Nullable ConsentRecord inForce(Map<PurposeId, ConsentRecord> current, PurposeId purpose) {
        ConsentRecord best = null;
        for (PurposeId id : purposes.cover(purpose)) {
            ConsentRecord r = current.get(id);
            if (r != null && (best == null || SubjectState.supersedes(r, best))) {
                best = r;
            }
        }
        return best;
    }

    /** The record in force now among {@code statements} (all on covering purposes; see {@link #inForce}), or null. */
    public static @Nullable ConsentRecord inForceAmong(Iterable<ConsentRecord> statements) {
        ConsentRecord latest = null;
        for (ConsentRecord r : statements) {
            if (latest == null || SubjectState.supersedes(r, latest)) {
                latest = r;
            }
        }
        return latest;
    }

    /** The effective record at {@code at} among {@code records} (all on covering purposes), or null. */
    public static @Nullable ConsentRecord effectiveAmong(Iterable<ConsentRecord> statements, Instant at) {
        ConsentRecord effective = null;
        for (ConsentRecord r : statements) {
            if (!r.effectiveAt().isAfter(at) && (effective == null || SubjectState.supersedes(r, effective))) {
                effective = r;
            }
        }
        return effective;
    }

    /**
     * The decision on {@code p} at {@code at}, given the effective record (or null) and whether the subject
     * was erased, by the rules in order: an erased subject is denied; contract, legal obligation, vital
     * interests and public task allow; legitimate interests allow unless the record is a refusal; consent
     * needs an unexpired grant made on a version at or above the reconsent version of the purpose it was made on
     * (a pending grant waits for its confirmation).
     */
    public ConsentDecision decide(Purpose p, @Nullable ConsentRecord effective, boolean erased, Instant at) {
        DecisionReason reason = effective == null
                ? reason(p, null, p.id(), 0, null, erased, at)
                : reason(
                        p,
                        effective.status(),
                        effective.purpose(),
                        effective.purposeVersion(),
                        effective.expiresAt().orElse(null),
                        erased,
                        at);
        boolean carriesRecord = reason != DecisionReason.ERASED && reason != DecisionReason.LEGAL_BASIS;
        return decision(p, reason, carriesRecord ? effective : null, at);
    }

    /**
     * Whether {@link #decide} allows {@code p} at {@code at} for a subject whose record in force has the deciding
     * values {@code effective} (or who has none): the same rules, for bulk reads that carry no whole records.
     */
    public boolean allows(Purpose p, @Nullable DecidingRecord effective, boolean erased, Instant at) {
        DecisionReason reason = effective == null
                ? reason(p, null, p.id(), 0, null, erased, at)
                : reason(
                        p,
                        effective.status(),
                        effective.purpose(),
                        effective.purposeVersion(),
                        effective.expiresAt().orElse(null),
                        erased,
                        at);
        return reason.allows();
    }

    /** The record in force among {@code records} (deciding values on covering purposes; see {@link #inForce}). */
    public static @Nullable DecidingRecord inForceAmongDeciding(List<DecidingRecord> records) {
        DecidingRecord latest = null;
        for (DecidingRecord r : records) {
            if (latest == null || r.supersedes(latest)) {
                latest = r;
            }
        }
        return latest;
    }

    /**
     * The rules of {@link #decide} on the deciding values of the record in force: its status (null without one),
     * the purpose it was made on, that purpose's version and its expiry.
     */
    private DecisionReason reason(
            Purpose p,
            @Nullable ConsentStatus status,
            PurposeId madeOn,
            int purposeVersion,
            @Nullable Instant expiresAt,
            boolean erased,
            Instant at) {
        if (erased) {
            return DecisionReason.ERASED;
        }
        if (p.basis().independentOfChoice()) {
            return DecisionReason.LEGAL_BASIS;
        }
        if (p.basis() == LegalBasis.LEGITIMATE_INTERESTS) {
            return status != null && status.isRefusal() ? refusalReason(status) : DecisionReason.NOT_OBJECTED;
        }
        if (status == null) {
            return DecisionReason.NO_RECORD;
        }
        switch (status) {
            case GRANTED:
                int reconsentFrom = purposes.registry()
                        .current(madeOn)
                        .map(Purpose::reconsentFromVersion)
                        .orElse(1);
                if (purposeVersion < reconsentFrom) {
                    return DecisionReason.RECONSENT_REQUIRED;
                }
                if (expiresAt != null && !at.isBefore(expiresAt)) {
                    return DecisionReason.EXPIRED;
                }
                return DecisionReason.GRANTED;
            case PENDING:
                return DecisionReason.PENDING_CONFIRMATION;
            default:
                return refusalReason(status);
        }
    }

    /** The reason a refusal gives; {@link IllegalArgumentException} for a status that is no refusal. */
    public static DecisionReason refusalReason(ConsentStatus status) {
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

    /**
     * The direct-marketing objection rule: a grant on {@code granted} also covers its descendants, so it may not
     * be recorded if any covered purpose is under an objection (an effective opt-out on a direct-marketing
     * purpose, or one made on a direct-marketing ancestor) and the grant does not come from the subject itself
     * through a channel direct from the subject. True if the grant must be refused.
     */
    public boolean objectionInForce(Map<PurposeId, ConsentRecord> current, Purpose granted, Evidence evidence) {
        if (evidence.actor().isSubject() && evidence.source().isDirectFromSubject()) {
            return false;
        }
        for (Purpose covered : purposes.registry().currentPurposes()) {
            if (!granted.id().covers(covered.id())) {
                continue;
            }
            ConsentRecord effective = inForce(current, covered.id());
            if (effective != null
                    && effective.status() == ConsentStatus.OPTED_OUT
                    && (covered.directMarketing()
                            || purposes.registry()
                                    .current(effective.purpose())
                                    .map(Purpose::directMarketing)
                                    .orElse(false))) {
                return true;
            }
        }
        return false;
    }

    /** One opt-out a Global Privacy Control signal records; {@code conflict} when it overrides a grant. */
    public record SignalOptOut(Purpose purpose, boolean conflict) {}

    /**
     * The Global Privacy Control override rule: the signal opts out of every sale-or-share purpose that is not
     * already opted out of, except where the effective record is a grant in {@code confirmedGrants} (the
     * subject's own grant after an earlier signal); overriding an effective grant is a conflict.
     */
    public List<SignalOptOut> signalOptOuts(Map<PurposeId, ConsentRecord> current, Set<UUID> confirmedGrants) {
        List<SignalOptOut> result = new ArrayList<>();
        for (Purpose p : purposes.registry().currentPurposes()) {
            if (!p.saleOrShare()) {
                continue;
            }
            ConsentRecord effective = inForce(current, p.id());
            if (effective != null
                    && (effective.status() == ConsentStatus.OPTED_OUT || confirmedGrants.contains(effective.id()))) {
                continue;
            }
            result.add(new SignalOptOut(p, effective != null && effective.status() == ConsentStatus.GRANTED));
        }
        return result;
    }

    /**
     * The effective grant on {@code purpose} that the subject gave itself, the only kind that can confirm sale or
     * sharing despite a Global Privacy Control signal; empty otherwise.
     */
    public Optional<ConsentRecord> subjectsOwnGrant(Map<PurposeId, ConsentRecord> current, PurposeId purpose) {
        ConsentRecord grant = inForce(current, purpose);
        return grant != null
                        && grant.status() == ConsentStatus.GRANTED
                        && grant.evidence().actor().type() == Actor.Type.SUBJECT
                ? Optional.of(grant)
                : Optional.empty();
    }

    /** True if {@code entry} is a Global Privacy Control opt-out appended before {@code grant}. */
    public static boolean isSignalOptOutBefore(AuditEntry entry, ConsentRecord grant) {
        return entry.link().sequence() < grant.link().sequence()
                && entry instanceof ConsentRecord r
                && r.status() == ConsentStatus.OPTED_OUT
                && r.evidence().source() == Source.GPC_SIGNAL;
    }

    private static ConsentDecision decision(Purpose p, DecisionReason reason, @Nullable ConsentRecord r, Instant at) {
        return new ConsentDecision(p.id(), reason, p.version(), p.basis(), Optional.ofNullable(r), at);
    }
}
