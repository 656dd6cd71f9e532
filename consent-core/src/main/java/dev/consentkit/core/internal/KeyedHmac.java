package dev.consentkit.core.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Internal API; may change without notice. HMAC-SHA256 under one secret key, keyed once: the key is checked and a
 * keyed {@link Mac} built when this is constructed, and each thread gets its own copy of that keyed instance
 * (looking the algorithm up and keying it costs more than hashing a short value). Used for erased subjects'
 * pseudonyms and for hashed evidence fields.
 */
public final class KeyedHmac {

    private static final String ALGORITHM = "HmacSHA256";

    private final Mac keyed;
    private final ThreadLocal<Mac> perThread;

    /** Keys the HMAC with a copy of {@code key}; throws {@link IllegalArgumentException} for an unusable key. */
    public KeyedHmac(byte[] key) {
        if (key.length == 0) {
            throw new IllegalArgumentException("an HMAC key must not be empty");
        }
        try {
            this.keyed = Mac.getInstance(ALGORITHM);
            keyed.init(new SecretKeySpec(key.clone(), ALGORITHM));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is required by every Java platform", e);
        }
        this.perThread = ThreadLocal.withInitial(this::copy);
    }

    /** The lower-case hex HMAC of {@code value}'s UTF-8 bytes. */
    public String hex(String value) {
        return HexFormat.of().formatHex(perThread.get().doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The lower-case hex HMAC of {@code scope}'s UTF-8 bytes, one zero byte and {@code value}'s UTF-8 bytes: a
     * value hashed in one scope (a tenant) never equals the same value hashed in another.
     */
    public String hex(String scope, String value) {
        Mac mac = perThread.get();
        mac.update(scope.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    private Mac copy() {
        try {
            return (Mac) keyed.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(ALGORITHM + " of this platform cannot be copied", e);
        }
    }

    @Override
    public String toString() {
        return "KeyedHmac[" + ALGORITHM + ", key redacted]";
    }
}
