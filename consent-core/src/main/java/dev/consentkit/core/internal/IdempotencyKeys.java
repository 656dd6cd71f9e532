package dev.consentkit.core.internal;

import java.util.UUID;

/**
 * Internal API; may change without notice. Idempotency keys ConsentKit generates for consent commands that came
 * without one, so that every consent record written carries a key and a commit whose outcome is unknown can be
 * looked up by it. Generated keys start with {@value #GENERATED_PREFIX} followed by a random UUID.
 */
public final class IdempotencyKeys {

    /** The prefix that tells a generated key from a caller's. */
    public static final String GENERATED_PREFIX = "ck:";

    private IdempotencyKeys() {}

    /** A new random key, {@code ck:} and a UUID. */
    public static String generated() {
        return GENERATED_PREFIX + UUID.randomUUID();
    }

    /** True if {@code key} has the shape of a generated key. */
    public static boolean isGenerated(String key) {
        return key.startsWith(GENERATED_PREFIX);
    }
}
