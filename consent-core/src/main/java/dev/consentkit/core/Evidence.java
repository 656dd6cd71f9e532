package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.internal.IpAddress;
import dev.consentkit.core.internal.SafeText;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How a choice was captured: the proof an auditor asks for. IP address and user agent are stored
 * minimised according to the manager's {@link EvidencePolicy}. The IP address, user agent and comment
 * are personal data: the audit chain commits to them only through a digest, so erasure can remove them.
 *
 * @param source           the channel
 * @param collectionPoint  the form, screen or script, for example {@code signup-form-v3}
 * @param noticeVersion    the version of the privacy notice or policy shown
 * @param noticeTextSha256 lower-case hex SHA-256 of the exact notice text shown
 * @param locale           the language the notice was shown in
 * @param actor            who captured the choice
 * @param ipAddress        the subject's IP address (minimised before storage)
 * @param userAgent        the subject's user agent (minimised before storage)
 * @param comment          free text, for example a call-centre note
 * @param proofReference   a reference to external proof, for example a double-opt-in confirmation id
 */
public record Evidence(
        @NotNull Source source,
        @NotNull @SafeText(max = 255) String collectionPoint,
        @NotNull Optional<@SafeText(max = 64) String> noticeVersion,

        @NotNull
        Optional<@Pattern(regexp = "[0-9a-f]{64}", message = "must be 64 lower-case hex digits") String>
                noticeTextSha256,

        @NotNull Optional<Locale> locale,
        @NotNull Actor actor,
        @NotNull Optional<@IpAddress String> ipAddress,
        @NotNull Optional<@SafeText(max = 1024) String> userAgent,
        @NotNull Optional<@SafeText(max = 2000, multiline = true) String> comment,
        @NotNull Optional<@SafeText(max = 255) String> proofReference) {

    /**
     * Rejects null parts, naming them ({@code evidence.source}, ...); what the parts hold is checked when a
     * command is recorded, so that every violation is reported at once.
     */
    public Evidence {
        Checks.notNull(source, "evidence.source");
        Checks.notNull(collectionPoint, "evidence.collectionPoint");
        Checks.notNull(noticeVersion, "evidence.noticeVersion");
        Checks.notNull(noticeTextSha256, "evidence.noticeTextSha256");
        Checks.notNull(locale, "evidence.locale");
        Checks.notNull(actor, "evidence.actor");
        Checks.notNull(ipAddress, "evidence.ipAddress");
        Checks.notNull(userAgent, "evidence.userAgent");
        Checks.notNull(comment, "evidence.comment");
        Checks.notNull(proofReference, "evidence.proofReference");
    }

    /** Evidence with just a source and a collection point; the subject itself acted. */
    public static Evidence of(Source source, String collectionPoint) {
        return builder().source(source).collectionPoint(collectionPoint).build();
    }

    /** A builder; {@code source} and {@code collectionPoint} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this evidence. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.source = source;
        b.collectionPoint = collectionPoint;
        b.noticeVersion = noticeVersion.orElse(null);
        b.noticeTextSha256 = noticeTextSha256.orElse(null);
        b.locale = locale.orElse(null);
        b.actor = actor;
        b.ipAddress = ipAddress.orElse(null);
        b.userAgent = userAgent.orElse(null);
        b.comment = comment.orElse(null);
        b.proofReference = proofReference.orElse(null);
        return b;
    }

    /** Builds {@link Evidence}; unset optional parts stay empty, the actor defaults to the subject. */
    public static final class Builder {
        private @Nullable Source source;
        private @Nullable String collectionPoint;
        private @Nullable String noticeVersion;
        private @Nullable String noticeTextSha256;
        private @Nullable Locale locale;
        private Actor actor = Actor.subject();
        private @Nullable String ipAddress;
        private @Nullable String userAgent;
        private @Nullable String comment;
        private @Nullable String proofReference;

        private Builder() {}

        public Builder source(Source source) {
            this.source = source;
            return this;
        }

        public Builder collectionPoint(String collectionPoint) {
            this.collectionPoint = collectionPoint;
            return this;
        }

        public Builder noticeVersion(@Nullable String noticeVersion) {
            this.noticeVersion = noticeVersion;
            return this;
        }

        /** The lower-case hex SHA-256 of the notice text shown; see {@link #noticeText(String)}. */
        public Builder noticeTextSha256(@Nullable String noticeTextSha256) {
            this.noticeTextSha256 = noticeTextSha256;
            return this;
        }

        /** Computes the SHA-256 of the notice text shown (UTF-8) and keeps only the digest. */
        public Builder noticeText(String noticeText) {
            this.noticeTextSha256 = Digests.sha256Hex(Checks.notNull(noticeText, "evidence.noticeText"));
            return this;
        }

        public Builder locale(@Nullable Locale locale) {
            this.locale = locale;
            return this;
        }

        public Builder actor(Actor actor) {
            this.actor = Checks.notNull(actor, "evidence.actor");
            return this;
        }

        public Builder ipAddress(@Nullable String ipAddress) {
            this.ipAddress = ipAddress;
            return this;
        }

        public Builder userAgent(@Nullable String userAgent) {
            this.userAgent = userAgent;
            return this;
        }

        public Builder comment(@Nullable String comment) {
            this.comment = comment;
            return this;
        }

        public Builder proofReference(@Nullable String proofReference) {
            this.proofReference = proofReference;
            return this;
        }

        /**
         * Builds the evidence. Throws {@link InvalidConsentRequestException} if {@code source} or
         * {@code collectionPoint} is missing; the other fields are validated when a command is recorded.
         */
        public Evidence build() {
            return new Evidence(
                    Checks.notNull(source, "evidence.source"),
                    Checks.notNull(collectionPoint, "evidence.collectionPoint"),
                    Optional.ofNullable(noticeVersion),
                    Optional.ofNullable(noticeTextSha256),
                    Optional.ofNullable(locale),
                    actor,
                    Optional.ofNullable(ipAddress),
                    Optional.ofNullable(userAgent),
                    Optional.ofNullable(comment),
                    Optional.ofNullable(proofReference));
        }
    }
}
