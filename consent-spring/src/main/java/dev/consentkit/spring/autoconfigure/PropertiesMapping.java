package dev.consentkit.spring.autoconfigure;

import dev.consentkit.core.EvidencePolicy;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.PreferenceDefinition;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import org.springframework.util.StringUtils;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Turns {@code consentkit.*} properties into core values; every failure names the property. */
final class PropertiesMapping {

    private PropertiesMapping() {
    }

    static List<Purpose> purposes(ConsentKitProperties properties) {
        List<Purpose> result = new ArrayList<>();
        List<ConsentKitProperties.PurposeProperties> declared = properties.getPurposes();
        if (declared.isEmpty()) {
            throw new IllegalStateException("consentkit.purposes: declare at least one purpose");
        }
        for (int i = 0; i < declared.size(); i++) {
            ConsentKitProperties.PurposeProperties p = declared.get(i);
            String name = "consentkit.purposes[" + i + "]";
            if (p.getId() == null || p.getId().isBlank()) {
                throw new IllegalStateException(name + ".id is required");
            }
            try {
                PurposeId.of(p.getId());
            } catch (InvalidConsentRequestException e) {
                throw new IllegalStateException(name + ".id " + e.violations().get(0).message(), e);
            }
            if (p.getBasis() == null) {
                throw new IllegalStateException(name + ".basis is required (consent, contract, legal-obligation, "
                        + "vital-interests, public-task or legitimate-interests)");
            }
            Purpose.Builder b = Purpose.builder(p.getId()).version(p.getVersion()).basis(p.getBasis())
                    .description(p.getDescription()).validFor(p.getValidity())
                    .reconsentFromVersion(p.getReconsentFromVersion()).saleOrShare(p.isSaleOrShare())
                    .directMarketing(p.isDirectMarketing())
                    .dataCategories(p.getDataCategories().toArray(String[]::new));
            if (p.getTitle() != null) {
                b.title(p.getTitle());
            }
            p.getTexts().forEach((locale, text) -> b.text(locale, text.getTitle(), text.getDescription()));
            try {
                result.add(b.build());
            } catch (IllegalStateException | IllegalArgumentException e) {
                throw new IllegalStateException(name + ": " + e.getMessage(), e);
            }
        }
        return result;
    }

    static List<PreferenceDefinition> preferences(ConsentKitProperties properties) {
        List<PreferenceDefinition> result = new ArrayList<>();
        List<ConsentKitProperties.PreferenceProperties> declared = properties.getPreferences();
        for (int i = 0; i < declared.size(); i++) {
            ConsentKitProperties.PreferenceProperties p = declared.get(i);
            String name = "consentkit.preferences[" + i + "]";
            if (p.getKey() == null || p.getKey().isBlank()) {
                throw new IllegalStateException(name + ".key is required");
            }
            try {
                result.add(new PreferenceDefinition(p.getKey(), p.getAllowedValues(),
                        Optional.ofNullable(p.getDefaultValue())));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(name + ": " + e.getMessage(), e);
            }
        }
        return result;
    }

    static EvidencePolicy evidencePolicy(ConsentKitProperties.Evidence evidence) {
        EvidencePolicy.Builder b = EvidencePolicy.builder().ipAddress(evidence.getIpAddress())
                .userAgent(evidence.getUserAgent());
        if (StringUtils.hasText(evidence.getHashKey())) {
            b.hashKey(evidence.getHashKey().getBytes(StandardCharsets.UTF_8));
        }
        try {
            return b.build();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("consentkit.evidence.hash-key: " + e.getMessage(), e);
        }
    }
}
