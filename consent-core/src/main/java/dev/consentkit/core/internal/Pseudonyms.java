package dev.consentkit.core.internal;

import dev.consentkit.core.SubjectId;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. The keyed pseudonyms that replace erased subjects' identifiers:
 * {@code erased-} and the hex HMAC-SHA256 of the tenant and the identifier under the manager's pseudonym key.
 * Without a key there are no pseudonyms, so erasure is unavailable and no subject is ever found erased.
 */
public final class Pseudonyms {

    /** What every pseudonym starts with. */
    public static final String PREFIX = "erased-";

    private static final Pattern SHAPE = Pattern.compile("erased-[0-9a-f]{64}");

    private final String tenant;
    private final @Nullable KeyedHmac hmac;

    /** Pseudonyms of {@code tenant}'s subjects under {@code key}, or none when {@code key} is null. */
    public Pseudonyms(String tenant, byte @Nullable [] key) {
        this.tenant = tenant;
        this.hmac = key == null ? null : new KeyedHmac(key);
    }

    /** True if a key was configured. */
    public boolean available() {
        return hmac != null;
    }

    /** The subject's pseudonym; throws {@link IllegalStateException} without a key. */
    public SubjectId of(SubjectId subject) {
        if (hmac == null) {
            throw new IllegalStateException("erase needs a pseudonymKey: ConsentManager.builder().pseudonymKey(...)");
        }
        return new SubjectId(PREFIX + hmac.hex(tenant, subject.value()));
    }

    /** The subject's pseudonym, or empty without a key. */
    public Optional<SubjectId> ifAvailable(SubjectId subject) {
        return hmac == null ? Optional.empty() : Optional.of(of(subject));
    }

    /** True if {@code id} has the shape of a pseudonym (an erased subject asked about by its keyed id). */
    public static boolean isPseudonym(SubjectId id) {
        return id.value().startsWith(PREFIX) && SHAPE.matcher(id.value()).matches();
    }
}
