package dev.consentkit.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A receiver's check of a request, written from the Standard Webhooks specification (not with the publisher's
 * signer): the secret is {@code whsec_} and the base64 key; the signed content is
 * {@code "{webhook-id}.{webhook-timestamp}.{body}"}; {@code webhook-signature} is a space-separated list of
 * {@code v1,<base64 HMAC-SHA256>}, any of which may match.
 */
final class StandardWebhooks {

    private StandardWebhooks() {}

    /** Whether any signature in {@code header} is {@code secret}'s over id, timestamp and body. */
    static boolean verifies(String secret, String id, String timestamp, String body, String header) {
        byte[] expected = expected(secret, id, timestamp, body);
        for (String signature : header.split(" ")) {
            int comma = signature.indexOf(',');
            if (comma < 0 || !signature.substring(0, comma).equals("v1")) {
                continue;
            }
            byte[] given;
            try {
                given = Base64.getDecoder().decode(signature.substring(comma + 1));
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (MessageDigest.isEqual(expected, given)) {
                return true;
            }
        }
        return false;
    }

    static boolean verifies(String secret, TestEndpoint.Request r) {
        return verifies(secret, r.id(), r.timestamp(), r.body(), r.signature());
    }

    private static byte[] expected(String secret, String id, String timestamp, String body) {
        if (!secret.startsWith("whsec_")) {
            throw new IllegalArgumentException("not a Standard Webhooks secret");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(6)), "HmacSHA256"));
            return mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
