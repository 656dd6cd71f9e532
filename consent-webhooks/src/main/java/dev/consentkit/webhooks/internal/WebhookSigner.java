package dev.consentkit.webhooks.internal;

import dev.consentkit.core.InvalidConsentRequestException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Internal API; may change without notice. Signs a request as the Standard Webhooks specification describes: for
 * each secret {@code v1,} and the base64 HMAC-SHA256 of {@code "{id}.{timestamp}.{body}"} under the secret's
 * decoded bytes, the signatures separated by spaces. Never shows a secret in {@link #toString()} or a message.
 */
public final class WebhookSigner {

    /** The prefix of a Standard Webhooks secret; the rest is the key in base64. */
    public static final String SECRET_PREFIX = "whsec_";

    /** The specification's bounds for a key, in bytes. */
    public static final int MIN_KEY_BYTES = 24;

    public static final int MAX_KEY_BYTES = 64;

    private static final String HMAC = "HmacSHA256";

    private final List<SecretKeySpec> keys;

    private WebhookSigner(List<SecretKeySpec> keys) {
        this.keys = List.copyOf(keys);
    }

    /**
     * A signer with one signature per secret, in the given order.
     *
     * @throws InvalidConsentRequestException naming {@code field} if a secret is not {@code whsec_} and the base64
     *     of 24 to 64 bytes
     */
    public static WebhookSigner of(List<String> secrets, String field) {
        List<SecretKeySpec> keys = new ArrayList<>(secrets.size());
        for (String s : secrets) {
            keys.add(new SecretKeySpec(decode(s, field), HMAC));
        }
        return new WebhookSigner(keys);
    }

    /** The key bytes of a {@code whsec_} secret, or an exception naming {@code field}. */
    public static byte[] decode(String secret, String field) {
        if (!secret.startsWith(SECRET_PREFIX)) {
            throw InvalidConsentRequestException.of(field, "must start with " + SECRET_PREFIX);
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw InvalidConsentRequestException.of(field, "must be " + SECRET_PREFIX + " followed by base64");
        }
        if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
            throw InvalidConsentRequestException.of(
                    field, "must encode " + MIN_KEY_BYTES + " to " + MAX_KEY_BYTES + " bytes");
        }
        return key;
    }

    /** The {@code webhook-signature} header's value for one request. */
    public String sign(String id, long timestamp, byte[] body) {
        byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
        StringBuilder header = new StringBuilder();
        for (SecretKeySpec key : keys) {
            Mac mac;
            try {
                mac = Mac.getInstance(HMAC);
                mac.init(key);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is unavailable", e); // every JRE has it
            }
            mac.update(prefix);
            mac.update(body);
            if (header.length() > 0) {
                header.append(' ');
            }
            header.append("v1,").append(Base64.getEncoder().encodeToString(mac.doFinal()));
        }
        return header.toString();
    }

    /** How many signatures each request carries. */
    public int size() {
        return keys.size();
    }

    @Override
    public String toString() {
        return "WebhookSigner[" + keys.size() + " secret(s)]";
    }
}
