package dev.consentkit.rabbitmq;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.InMemoryConsentStore;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.PreferenceDefinition;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import dev.consentkit.core.spi.ConsentListener;
import dev.consentkit.core.spi.ConsentStore;
import java.nio.charset.StandardCharsets;

/** Managers and entries for the tests: the purposes and preferences they write. */
final class Entries {

    static final Purpose EMAIL =
            Purpose.builder("marketing.email").basis(LegalBasis.CONSENT).build();
    static final Purpose PHONE =
            Purpose.builder("marketing.phone").basis(LegalBasis.CONSENT).build();
    static final PreferenceDefinition CHANNEL = PreferenceDefinition.of("channel", "email", "sms");
    static final Evidence WEB =
            Evidence.builder().source(Source.WEB).collectionPoint("rabbit-test").build();

    private Entries() {}

    /** A manager on {@code store} that tells {@code listener} of every committed entry. */
    static ConsentManager manager(ConsentStore store, ConsentListener listener) {
        return ConsentManager.builder()
                .purposes(EMAIL, PHONE)
                .preferences(CHANNEL)
                .pseudonymKey("rabbit-test-pseudonym-key-32-bytes".getBytes(StandardCharsets.UTF_8))
                .store(store)
                .listener(listener)
                .build();
    }

    /** A grant of {@code subject}'s e-mail consent, written to a store in memory. */
    static AuditEntry grant(String subject) {
        return manager(new InMemoryConsentStore(), e -> {})
                .record(ConsentCommand.grant(subject, EMAIL.id().value()).build());
    }
}
