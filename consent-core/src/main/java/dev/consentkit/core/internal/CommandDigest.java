package dev.consentkit.core.internal;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.SubjectId;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * Internal API; may change without notice. The digest of a consent command that the store keeps with its
 * idempotency key, so that the same key with another command can be told from a retry of the same one.
 *
 * <p>SHA-256 hex over the length-prefixed encoding of {@link AuditChain} (version tag {@code ckc1}), in this order:
 * subject, purpose, stored status (a grant awaiting confirmation is {@code PENDING}), the purpose version the
 * command named (absent if it named none), the effective time the command named (to the microsecond; absent if it
 * named none), then every evidence field after the evidence policy: source, collection point, notice version,
 * notice text digest, locale tag, actor type, actor id, IP address, user agent, comment and proof reference.
 * What the command did not name (the current purpose version, the time it is recorded) is left out, so a retry
 * after a purpose version change or at a later time is still the same command.
 */
public final class CommandDigest {

    private static final byte[] VERSION = "ckc1".getBytes(StandardCharsets.US_ASCII);

    private CommandDigest() {}

    /** The digest of {@code command} for {@code subject}, with its evidence as the evidence policy kept it. */
    public static String of(ConsentCommand command, SubjectId subject, Evidence minimised) {
        AuditChain.Canonical c = new AuditChain.Canonical();
        c.bytes(VERSION);
        c.text("command");
        c.text(subject.value());
        c.text(command.purpose());
        c.text(command.storedStatus().name());
        c.text(command.purposeVersion().map(String::valueOf).orElse(null));
        c.instant(
                command.effectiveAt().map(t -> t.truncatedTo(ChronoUnit.MICROS)).orElse(null));
        c.text(minimised.source().name());
        c.text(minimised.collectionPoint());
        c.text(minimised.noticeVersion().orElse(null));
        c.text(minimised.noticeTextSha256().orElse(null));
        c.text(minimised.locale().map(Locale::toLanguageTag).orElse(null));
        c.text(minimised.actor().type().name());
        c.text(minimised.actor().id().orElse(null));
        c.text(minimised.ipAddress().orElse(null));
        c.text(minimised.userAgent().orElse(null));
        c.text(minimised.comment().orElse(null));
        c.text(minimised.proofReference().orElse(null));
        return c.hex();
    }
}
