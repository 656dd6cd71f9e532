package dev.consentkit.core;

import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.internal.KeyedHmac;
import dev.consentkit.core.internal.TextValidators;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How the IP address and user agent of {@link Evidence} are minimised before they are stored.
 * The default truncates IP addresses (IPv4 to /24, IPv6 to /48) and keeps user agents.
 * {@link Minimisation#HASH} needs a secret key: a plain hash of an IPv4 address is reversed by
 * trying all four billion addresses, a keyed hash (HMAC-SHA256) is not.
 */
public final class EvidencePolicy {

    /** What to do with one field. */
    public enum Minimisation {
        /** Store as given. */
        KEEP,
        /** IP: keep the network part (IPv4 /24, IPv6 /48). User agent: keep the first 64 characters. */
        TRUNCATE,
        /** Replace by {@code hmac:} and the hex HMAC-SHA256 under the policy's key. */
        HASH,
        /** Do not store. */
        DROP
    }

    static final int USER_AGENT_TRUNCATED_LENGTH = 64;

    private static final EvidencePolicy DEFAULTS = builder().build();

    private final Minimisation ipAddress;
    private final Minimisation userAgent;
    private final @Nullable KeyedHmac hmac;

    private EvidencePolicy(Builder b) {
        this.ipAddress = b.ipAddress;
        this.userAgent = b.userAgent;
        boolean hashing = ipAddress == Minimisation.HASH || userAgent == Minimisation.HASH;
        this.hmac = hashing ? new KeyedHmac(Objects.requireNonNull(b.hashKey)) : null;
    }

    /** IP addresses truncated, user agents kept. */
    public static EvidencePolicy defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Minimisation ipAddress() {
        return ipAddress;
    }

    public Minimisation userAgent() {
        return userAgent;
    }

    /** Applies the policy: returns evidence whose IP address and user agent are minimised. */
    public Evidence apply(Evidence evidence) {
        Checks.notNull(evidence, "evidence");
        Optional<String> ip = evidence.ipAddress().flatMap(v -> minimiseIp(v));
        Optional<String> ua = evidence.userAgent().flatMap(v -> minimiseUserAgent(v));
        if (ip.equals(evidence.ipAddress()) && ua.equals(evidence.userAgent())) {
            return evidence;
        }
        return evidence.toBuilder()
                .ipAddress(ip.orElse(null))
                .userAgent(ua.orElse(null))
                .build();
    }

    private Optional<String> minimiseIp(String ip) {
        switch (ipAddress) {
            case KEEP:
                return Optional.of(ip);
            case DROP:
                return Optional.empty();
            case HASH:
                return Optional.of(hmac(ip));
            case TRUNCATE:
            default:
                return Optional.of(truncateIp(ip));
        }
    }

    private Optional<String> minimiseUserAgent(String ua) {
        switch (userAgent) {
            case KEEP:
                return Optional.of(ua);
            case DROP:
                return Optional.empty();
            case HASH:
                return Optional.of(hmac(ua));
            case TRUNCATE:
            default:
                return Optional.of(
                        ua.length() <= USER_AGENT_TRUNCATED_LENGTH ? ua : ua.substring(0, USER_AGENT_TRUNCATED_LENGTH));
        }
    }

    static String truncateIp(String ip) {
        if (!TextValidators.isIpAddress(ip)) {
            // apply(...) is public: refuse host names here, or InetAddress would resolve them through DNS
            throw InvalidConsentRequestException.of("evidence.ipAddress", "must be an IPv4 or IPv6 address literal");
        }
        try {
            // only literals reach this point, so this never resolves a name
            byte[] address = InetAddress.getByName(ip).getAddress();
            int keep = address.length == 4 ? 3 : 6;
            Arrays.fill(address, keep, address.length, (byte) 0);
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw InvalidConsentRequestException.of("evidence.ipAddress", "must be an IPv4 or IPv6 address literal");
        }
    }

    private String hmac(String value) {
        return "hmac:" + Objects.requireNonNull(hmac).hex(value);
    }

    @Override
    public String toString() {
        return "EvidencePolicy[ipAddress=" + ipAddress + ", userAgent=" + userAgent + "]";
    }

    /** Builds an {@link EvidencePolicy}. */
    public static final class Builder {
        private Minimisation ipAddress = Minimisation.TRUNCATE;
        private Minimisation userAgent = Minimisation.KEEP;
        private byte @Nullable [] hashKey;

        private Builder() {}

        public Builder ipAddress(Minimisation ipAddress) {
            this.ipAddress = Checks.notNull(ipAddress, "evidencePolicy.ipAddress");
            return this;
        }

        public Builder userAgent(Minimisation userAgent) {
            this.userAgent = Checks.notNull(userAgent, "evidencePolicy.userAgent");
            return this;
        }

        /** The secret key for {@link Minimisation#HASH}; at least 16 bytes. Copied. */
        public Builder hashKey(byte[] hashKey) {
            this.hashKey = Checks.notNull(hashKey, "evidencePolicy.hashKey").clone();
            return this;
        }

        /**
         * Builds the policy.
         *
         * @throws InvalidConsentRequestException naming {@code evidencePolicy.hashKey} if {@code HASH} is chosen
         *                                        without a key of 16 bytes or more
         */
        public EvidencePolicy build() {
            boolean hashing = ipAddress == Minimisation.HASH || userAgent == Minimisation.HASH;
            Checks.check(
                    !hashing || (hashKey != null && hashKey.length >= 16),
                    "evidencePolicy.hashKey",
                    "must be at least 16 bytes for Minimisation.HASH");
            return new EvidencePolicy(this);
        }
    }
}
