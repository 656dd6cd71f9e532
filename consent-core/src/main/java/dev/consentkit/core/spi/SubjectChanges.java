package dev.consentkit.core.spi;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import dev.consentkit.core.internal.Checks;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The rows one subject's write changes, prepared by ConsentKit's chain protocol for
 * {@link StoreTransaction#write}: the store stores them as they are and decides nothing.
 *
 * @param tenant              the tenant
 * @param subject             the subject whose chain grew
 * @param known               true if the store held the subject's chain (a head) before this transaction: update
 *                            the head; false: insert it, or update the row without a head that the store's
 *                            {@link StoreTransaction#lock} inserted
 * @param appended            the sealed entries, in chain order
 * @param after               the subject's state after the write: the new head, every current record and the
 *                            erased flag
 * @param recordsAdded     purposes that now have a current record and had none: insert their state rows
 * @param recordsReplaced  purposes whose current record changed: update their state rows
 * @param preferences         every current preference after the write (meaningful only when a preference changed)
 * @param preferencesAdded    preference keys that now have a value and had none
 * @param preferencesReplaced preference keys whose value changed
 * @param commandDigests      for each appended consent record written for a command with an idempotency key, by
 *                            entry id: the digest of that command, stored with the key (see
 *                            {@link StoreTransaction#recordsByIdempotencyKey})
 */
public record SubjectChanges(
        String tenant,
        SubjectId subject,
        boolean known,
        List<AuditEntry> appended,
        SubjectState after,
        Set<PurposeId> recordsAdded,
        Set<PurposeId> recordsReplaced,
        Map<String, PreferenceRecord> preferences,
        Set<String> preferencesAdded,
        Set<String> preferencesReplaced,
        Map<UUID, String> commandDigests) {

    public SubjectChanges {
        Checks.notNull(tenant, "subjectChanges.tenant");
        Checks.notNull(subject, "subjectChanges.subject");
        Checks.notNull(after, "subjectChanges.after");
        appended = List.copyOf(appended);
        recordsAdded = Set.copyOf(recordsAdded);
        recordsReplaced = Set.copyOf(recordsReplaced);
        preferences = Map.copyOf(preferences);
        preferencesAdded = Set.copyOf(preferencesAdded);
        preferencesReplaced = Set.copyOf(preferencesReplaced);
        commandDigests = Map.copyOf(commandDigests);
        Checks.check(after.head().isPresent(), "subjectChanges.after", "must have a chain head");
    }

    /** Changes without command digests (no appended record came from a command with an idempotency key). */
    public SubjectChanges(
            String tenant,
            SubjectId subject,
            boolean known,
            List<AuditEntry> appended,
            SubjectState after,
            Set<PurposeId> recordsAdded,
            Set<PurposeId> recordsReplaced,
            Map<String, PreferenceRecord> preferences,
            Set<String> preferencesAdded,
            Set<String> preferencesReplaced) {
        this(
                tenant,
                subject,
                known,
                appended,
                after,
                recordsAdded,
                recordsReplaced,
                preferences,
                preferencesAdded,
                preferencesReplaced,
                Map.of());
    }
}
