package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.CheckpointKey;
import dev.consentkit.core.EvidencePolicy;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.PreferenceDefinition;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.core.io.Resource;
import org.springframework.util.StringUtils;

/** Turns {@code consentkit.*} properties into core values; every failure names the property. */
final class PropertiesMapping {

    private PropertiesMapping() {}

    static List<Purpose> purposes(ConsentKitProperties properties) {
        List<Purpose> result = new ArrayList<>();
        List<ConsentKitProperties.Purpose> declared = properties.purposes();
        if (declared.isEmpty()) {
            throw new IllegalStateException("consentkit.purposes: declare at least one purpose");
        }
        for (int i = 0; i < declared.size(); i++) {
            ConsentKitProperties.Purpose p = declared.get(i);
            String name = "consentkit.purposes[" + i + "]";
            if (p.id() == null || p.id().isBlank()) {
                throw new IllegalStateException(name + ".id is required");
            }
            try {
                PurposeId.of(p.id());
            } catch (InvalidConsentRequestException e) {
                throw new IllegalStateException(
                        name + ".id " + e.violations().get(0).message(), e);
            }
            if (p.basis() == null) {
                throw new IllegalStateException(name + ".basis is required (consent, contract, legal-obligation, "
                        + "vital-interests, public-task or legitimate-interests)");
            }
            try {
                Purpose.Builder b = Purpose.builder(p.id())
                        .version(p.version())
                        .basis(p.basis())
                        .description(p.description())
                        .validFor(p.validity())
                        .reconsentFromVersion(p.reconsentFromVersion())
                        .saleOrShare(p.saleOrShare())
                        .directMarketing(p.directMarketing())
                        .dataCategories(p.dataCategories().toArray(String[]::new));
                if (p.title() != null) {
                    b.title(p.title());
                }
                p.texts().forEach((locale, text) -> b.text(locale, text.title(), text.description()));
                result.add(b.build());
            } catch (InvalidConsentRequestException e) {
                throw failure(name + ": ", e);
            }
        }
        return result;
    }

    static List<PreferenceDefinition> preferences(ConsentKitProperties properties) {
        List<PreferenceDefinition> result = new ArrayList<>();
        List<ConsentKitProperties.Preference> declared = properties.preferences();
        for (int i = 0; i < declared.size(); i++) {
            ConsentKitProperties.Preference p = declared.get(i);
            String name = "consentkit.preferences[" + i + "]";
            if (p.key() == null || p.key().isBlank()) {
                throw new IllegalStateException(name + ".key is required");
            }
            try {
                result.add(new PreferenceDefinition(p.key(), p.allowedValues(), Optional.ofNullable(p.defaultValue())));
            } catch (InvalidConsentRequestException e) {
                throw failure(name + ": ", e);
            }
        }
        return result;
    }

    static EvidencePolicy evidencePolicy(ConsentKitProperties.Evidence evidence) {
        EvidencePolicy.Builder b =
                EvidencePolicy.builder().ipAddress(evidence.ipAddress()).userAgent(evidence.userAgent());
        if (StringUtils.hasText(evidence.hashKey())) {
            b.hashKey(evidence.hashKey().getBytes(StandardCharsets.UTF_8));
        }
        try {
            return b.build();
        } catch (InvalidConsentRequestException e) {
            throw failure("consentkit.evidence.hash-key: ", e);
        }
    }

    /** The checkpoint key the properties configure, if any. */
    static Optional<CheckpointKey> checkpointKey(ConsentKitProperties.Checkpoint checkpoint) {
        String name = "consentkit.checkpoint.";
        Optional<CheckpointKey> key;
        try {
            if (StringUtils.hasText(checkpoint.hmacSecret())) {
                if (checkpoint.ed25519PrivateKey() != null || checkpoint.ed25519PublicKey() != null) {
                    throw new IllegalStateException(
                            name + "hmac-secret and ed25519-*: configure one checkpoint key, not both");
                }
                key = Optional.of(CheckpointKey.hmac(
                        checkpoint.hmacSecret().getBytes(StandardCharsets.UTF_8), checkpoint.keyId()));
            } else if (checkpoint.ed25519PrivateKey() != null || checkpoint.ed25519PublicKey() != null) {
                Resource publicKey = checkpoint.ed25519PublicKey();
                if (publicKey == null) {
                    throw new IllegalStateException(name + "ed25519-public-key is required with ed25519-private-key");
                }
                Resource privateKey = checkpoint.ed25519PrivateKey();
                key = Optional.of(
                        privateKey == null
                                ? CheckpointKey.ed25519Verifier(
                                        CheckpointKey.readEd25519PublicKey(
                                                read(publicKey, name + "ed25519-public-key")),
                                        checkpoint.keyId())
                                : CheckpointKey.ed25519(
                                        CheckpointKey.readEd25519PrivateKey(
                                                read(privateKey, name + "ed25519-private-key")),
                                        CheckpointKey.readEd25519PublicKey(
                                                read(publicKey, name + "ed25519-public-key")),
                                        checkpoint.keyId()));
            } else {
                key = Optional.empty();
            }
        } catch (InvalidConsentRequestException e) {
            throw failure(name, e);
        }
        Duration interval = checkpoint.interval();
        if (interval != null) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalStateException(name + "interval must be positive");
            }
            if (key.isEmpty() || !key.get().canSign()) {
                throw new IllegalStateException(name + "interval needs a signing key: " + name
                        + "hmac-secret, or ed25519-private-key with ed25519-public-key");
            }
        }
        return key;
    }

    private static String read(Resource resource, String property) {
        try (InputStream in = resource.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(property + ": cannot read " + resource.getDescription(), e);
        }
    }

    /**
     * A start-up failure for a value or builder that rejected what the properties gave it: {@code prefix} (which
     * names the property) followed by each violation's field and message.
     */
    static IllegalStateException failure(String prefix, InvalidConsentRequestException e) {
        return new IllegalStateException(
                prefix
                        + e.violations().stream()
                                .map(v -> v.field() + " " + v.message())
                                .collect(Collectors.joining("; ")),
                e);
    }
}
