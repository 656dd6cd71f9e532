package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which audit entries to stream. Every part is optional; an empty query streams the whole tenant.
 * Entries come in the order the store appended them (for one subject: by chain sequence).
 *
 * @param subject      only this subject's entries
 * @param purposes     only consent records on these exact purposes (preference and erasure entries are
 *                     left out when this is not empty)
 * @param recordedFrom only entries recorded at or after this instant
 * @param recordedTo   only entries recorded before this instant (exclusive)
 */
public record HistoryQuery(
        Optional<SubjectId> subject,
        Set<PurposeId> purposes,
        Optional<Instant> recordedFrom,
        Optional<Instant> recordedTo) {

    public HistoryQuery {
        Checks.notNull(subject, "subject");
        purposes = Set.copyOf(purposeIds(purposes));
        Checks.notNull(recordedFrom, "recordedFrom");
        Checks.notNull(recordedTo, "recordedTo");
        if (recordedFrom.isPresent()
                && recordedTo.isPresent()
                && !recordedFrom.get().isBefore(recordedTo.get())) {
            throw InvalidConsentRequestException.of("recordedFrom", "must be before recordedTo");
        }
    }

    private static Collection<PurposeId> purposeIds(Collection<PurposeId> given) {
        for (PurposeId p : Checks.notNull(given, "purposes")) {
            Checks.notNull(p, "purposes");
        }
        return given;
    }

    /** Everything in the tenant. */
    public static HistoryQuery all() {
        return builder().build();
    }

    /** Every entry of one subject. */
    public static HistoryQuery forSubject(String subject) {
        return builder().subject(subject).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True if {@code entry} matches this query (tenant aside). Useful for stores that filter in memory. */
    public boolean matches(AuditEntry entry) {
        if (subject.isPresent() && !subject.get().equals(entry.subject())) {
            return false;
        }
        if (!purposes.isEmpty() && !(entry instanceof ConsentRecord r && purposes.contains(r.purpose()))) {
            return false;
        }
        if (recordedFrom.isPresent() && entry.recordedAt().isBefore(recordedFrom.get())) {
            return false;
        }
        return recordedTo.isEmpty() || entry.recordedAt().isBefore(recordedTo.get());
    }

    /** Builds a {@link HistoryQuery}. */
    public static final class Builder {
        private @Nullable SubjectId subject;
        private final Set<PurposeId> purposes = new LinkedHashSet<>();
        private @Nullable Instant recordedFrom;
        private @Nullable Instant recordedTo;

        private Builder() {}

        public Builder subject(String subject) {
            this.subject = SubjectId.of(subject);
            return this;
        }

        public Builder subject(SubjectId subject) {
            this.subject = Checks.notNull(subject, "subject");
            return this;
        }

        /** Adds a purpose (exact match). */
        public Builder purpose(String purpose) {
            this.purposes.add(PurposeId.of(purpose));
            return this;
        }

        public Builder purposes(Collection<PurposeId> purposes) {
            this.purposes.addAll(purposeIds(purposes));
            return this;
        }

        public Builder recordedFrom(@Nullable Instant recordedFrom) {
            this.recordedFrom = recordedFrom;
            return this;
        }

        public Builder recordedTo(@Nullable Instant recordedTo) {
            this.recordedTo = recordedTo;
            return this;
        }

        public HistoryQuery build() {
            return new HistoryQuery(
                    Optional.ofNullable(subject),
                    purposes,
                    Optional.ofNullable(recordedFrom),
                    Optional.ofNullable(recordedTo));
        }
    }
}
