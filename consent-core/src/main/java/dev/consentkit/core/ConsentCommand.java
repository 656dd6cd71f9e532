package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.internal.SafeText;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PastOrPresent;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A request to record one consent record. Built with {@link #grant}, {@link #deny}, {@link #withdraw} or
 * {@link #optOut}; validated when recorded, so that every violation is reported at once. The evidence is
 * validated on its own (commands of a batch often share one evidence instance, validated once).
 *
 * @param subject             the subject id (1..255 characters, no control characters)
 * @param purpose             the purpose id; must be declared
 * @param status              what the subject said; {@code GRANTED} with {@code pendingConfirmation} stores
 *                            {@link ConsentStatus#PENDING}
 * @param evidence            how it was captured
 * @param effectiveAt         when it took effect, for imports of older choices; never in the future
 * @param purposeVersion      the purpose version shown; defaults to the current version
 * @param idempotencyKey      a key that makes retries safe: it names this one command, and the same key with the same
 *                            command returns the first record; with another command it is refused
 *                            ({@link IdempotencyConflictException}); without one a key is generated
 * @param pendingConfirmation a grant that waits for double opt-in confirmation
 */
public record ConsentCommand(
        @NotNull String subject,
        @NotNull String purpose,
        @NotNull ConsentStatus status,
        @NotNull Evidence evidence,
        @NotNull Optional<@PastOrPresent Instant> effectiveAt,
        @NotNull Optional<@Min(1) Integer> purposeVersion,
        @NotNull Optional<@SafeText(max = 255) String> idempotencyKey,
        boolean pendingConfirmation) {

    /** The subject said yes. */
    public static Builder grant(String subject, String purpose) {
        return new Builder(subject, purpose, ConsentStatus.GRANTED);
    }

    /** The subject said no, never having said yes. */
    public static Builder deny(String subject, String purpose) {
        return new Builder(subject, purpose, ConsentStatus.DENIED);
    }

    /** The subject withdrew an earlier yes (GDPR Art. 7(3)). */
    public static Builder withdraw(String subject, String purpose) {
        return new Builder(subject, purpose, ConsentStatus.WITHDRAWN);
    }

    /** The subject objected or unsubscribed (GDPR Art. 21, CCPA opt-out). */
    public static Builder optOut(String subject, String purpose) {
        return new Builder(subject, purpose, ConsentStatus.OPTED_OUT);
    }

    /** The status that will be stored: {@code PENDING} for a grant awaiting confirmation. */
    public ConsentStatus storedStatus() {
        return pendingConfirmation && status == ConsentStatus.GRANTED ? ConsentStatus.PENDING : status;
    }

    /** Builds a {@link ConsentCommand}. Without evidence, {@link Source#API} with collection point {@code api}. */
    public static final class Builder {
        private final String subject;
        private final String purpose;
        private final ConsentStatus status;
        private @Nullable Evidence evidence;
        private @Nullable Instant effectiveAt;
        private @Nullable Integer purposeVersion;
        private @Nullable String idempotencyKey;
        private boolean pendingConfirmation;

        private Builder(String subject, String purpose, ConsentStatus status) {
            this.subject = subject;
            this.purpose = purpose;
            this.status = status;
        }

        public Builder evidence(Evidence evidence) {
            this.evidence = Checks.notNull(evidence, "evidence");
            return this;
        }

        public Builder effectiveAt(@Nullable Instant effectiveAt) {
            this.effectiveAt = effectiveAt;
            return this;
        }

        public Builder purposeVersion(int purposeVersion) {
            this.purposeVersion = purposeVersion;
            return this;
        }

        public Builder idempotencyKey(@Nullable String idempotencyKey) {
            this.idempotencyKey = idempotencyKey;
            return this;
        }

        /** Only for grants: store {@code PENDING} until {@link ConsentManager#confirm(String)}. */
        public Builder pendingConfirmation(boolean pendingConfirmation) {
            this.pendingConfirmation = pendingConfirmation;
            return this;
        }

        /** Builds the command. Validation happens when it is recorded, so every violation is reported at once. */
        public ConsentCommand build() {
            Evidence e = evidence != null ? evidence : Evidence.of(Source.API, "api");
            return new ConsentCommand(
                    subject,
                    purpose,
                    status,
                    e,
                    Optional.ofNullable(effectiveAt),
                    Optional.ofNullable(purposeVersion),
                    Optional.ofNullable(idempotencyKey),
                    pendingConfirmation);
        }
    }
}
