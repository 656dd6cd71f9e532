package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The key that signs and verifies {@link Checkpoint checkpoints}: Ed25519 through the JDK's own provider (an auditor
 * verifies with the public key alone, and nobody holding only it can sign), or HMAC-SHA256 under a shared secret
 * (whoever verifies can also sign). Immutable; the secret and keys are never printed.
 */
public final class CheckpointKey {

    /** The Ed25519 algorithm name, as in {@link Checkpoint#algorithm()}. */
    public static final String ED25519 = "Ed25519";

    /** The HMAC-SHA256 algorithm name, as in {@link Checkpoint#algorithm()}. */
    public static final String HMAC_SHA256 = "HmacSHA256";

    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private final String algorithm;
    private final String keyId;
    private final @Nullable PrivateKey privateKey;
    private final @Nullable PublicKey publicKey;
    private final byte @Nullable [] secret;

    private CheckpointKey(
            String algorithm,
            String keyId,
            @Nullable PrivateKey privateKey,
            @Nullable PublicKey publicKey,
            byte @Nullable [] secret) {
        Checks.check(keyId != null && KEY_ID.matcher(keyId).matches(), "keyId", "must match " + KEY_ID.pattern());
        this.algorithm = algorithm;
        this.keyId = keyId;
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.secret = secret;
    }

    /** An Ed25519 key pair that signs and verifies. */
    public static CheckpointKey ed25519(PrivateKey privateKey, PublicKey publicKey, String keyId) {
        Checks.notNull(privateKey, "privateKey");
        Checks.check(isEd25519(privateKey), "privateKey", "must be an Ed25519 key");
        Checks.notNull(publicKey, "publicKey");
        Checks.check(isEd25519(publicKey), "publicKey", "must be an Ed25519 key");
        return new CheckpointKey(ED25519, keyId, privateKey, publicKey, null);
    }

    /** An Ed25519 public key that verifies only: what an auditor holds. */
    public static CheckpointKey ed25519Verifier(PublicKey publicKey, String keyId) {
        Checks.notNull(publicKey, "publicKey");
        Checks.check(isEd25519(publicKey), "publicKey", "must be an Ed25519 key");
        return new CheckpointKey(ED25519, keyId, null, publicKey, null);
    }

    /** An HMAC-SHA256 secret (32 bytes or more, copied) that signs and verifies. */
    public static CheckpointKey hmac(byte[] secret, String keyId) {
        Checks.notNull(secret, "secret");
        Checks.check(secret.length >= 32, "secret", "must be at least 32 bytes");
        return new CheckpointKey(HMAC_SHA256, keyId, null, null, secret.clone());
    }

    /**
     * Reads an Ed25519 private key in PKCS#8: PEM ({@code -----BEGIN PRIVATE KEY-----}) or bare base64 of the DER
     * bytes, as {@code openssl genpkey -algorithm ed25519} writes it.
     */
    public static PrivateKey readEd25519PrivateKey(String pem) {
        try {
            return KeyFactory.getInstance(ED25519).generatePrivate(new PKCS8EncodedKeySpec(der(pem, "privateKey")));
        } catch (GeneralSecurityException e) {
            throw InvalidConsentRequestException.of("privateKey", "must be an Ed25519 private key in PKCS#8");
        }
    }

    /**
     * Reads an Ed25519 public key in X.509 SubjectPublicKeyInfo: PEM ({@code -----BEGIN PUBLIC KEY-----}) or bare
     * base64 of the DER bytes, as {@code openssl pkey -pubout} writes it.
     */
    public static PublicKey readEd25519PublicKey(String pem) {
        try {
            return KeyFactory.getInstance(ED25519).generatePublic(new X509EncodedKeySpec(der(pem, "publicKey")));
        } catch (GeneralSecurityException e) {
            throw InvalidConsentRequestException.of("publicKey", "must be an Ed25519 public key in X.509");
        }
    }

    private static byte[] der(String pem, String field) {
        Checks.notNull(pem, field);
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw InvalidConsentRequestException.of(field, "must be PEM or base64");
        }
    }

    private static boolean isEd25519(java.security.Key key) {
        return ED25519.equalsIgnoreCase(key.getAlgorithm()) || "EdDSA".equalsIgnoreCase(key.getAlgorithm());
    }

    /** {@code Ed25519} or {@code HmacSHA256}. */
    public String algorithm() {
        return algorithm;
    }

    /** The key's id, written into every checkpoint it signs. */
    public String keyId() {
        return keyId;
    }

    /** False for an Ed25519 public key alone. */
    public boolean canSign() {
        return privateKey != null || secret != null;
    }

    /** Signs {@code bytes}; base64. */
    String sign(byte[] bytes) {
        try {
            if (secret != null) {
                return Base64.getEncoder().encodeToString(mac(secret, bytes));
            }
            if (privateKey == null) {
                throw new IllegalStateException("this checkpoint key holds a public key only: it verifies, not signs");
            }
            Signature s = Signature.getInstance(ED25519);
            s.initSign(privateKey);
            s.update(bytes);
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " signing failed", e);
        }
    }

    /** Whether {@code signature} (base64) is this key's over {@code bytes}, compared in constant time for a MAC. */
    boolean verifies(byte[] bytes, String signature) {
        byte[] given;
        try {
            given = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
        try {
            if (secret != null) {
                return MessageDigest.isEqual(mac(secret, bytes), given);
            }
            PublicKey key = publicKey;
            if (key == null) {
                throw new IllegalStateException("an Ed25519 checkpoint key always holds its public key");
            }
            Signature s = Signature.getInstance(ED25519);
            s.initVerify(key);
            s.update(bytes);
            return s.verify(given);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException(algorithm + " key cannot verify", e);
        } catch (GeneralSecurityException e) {
            return false; // a signature that is not even shaped like one does not verify
        }
    }

    private static byte[] mac(byte[] secret, byte[] bytes) throws GeneralSecurityException {
        Mac mac = Mac.getInstance(HMAC_SHA256);
        mac.init(new SecretKeySpec(secret, HMAC_SHA256));
        return mac.doFinal(bytes);
    }

    @Override
    public String toString() {
        return "CheckpointKey[" + algorithm + ", keyId=" + keyId + (canSign() ? ", signs" : ", verifies only")
                + ", key redacted]";
    }
}
