package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The SPEC's "Minimal use" snippet, copied as written, compiles and behaves. */
class MinimalUseTest {

    private int sent;

    private void send() {
        sent++;
    }

    @Test
    void minimalUseSnippetWhenRunAsWrittenThenTheGrantedSubjectIsAllowed() {
        // ---- copied from SPEC.md "Minimal use" ----
        ConsentManager consents = ConsentManager.builder()
                .purposes(Purpose.builder("marketing.email")
                        .basis(LegalBasis.CONSENT)
                        .title("Newsletter by e-mail")
                        .validFor(Period.ofMonths(13))
                        .build())
                .build(); // in-memory store by default
        consents.record(ConsentCommand.grant("cust-42", "marketing.email")
                .evidence(Evidence.of(Source.WEB, "signup-form"))
                .build());
        if (consents.check("cust-42", "marketing.email").allowed()) {
            send();
        }
        // ---- end of copy ----

        assertThat(sent).isEqualTo(1);
        assertThat(consents.check("cust-42", "marketing.email").reason()).isEqualTo(DecisionReason.GRANTED);
        assertThat(consents.check("cust-43", "marketing.email").allowed()).isFalse();
        assertThat(consents.check("cust-43", "marketing.email").reason()).isEqualTo(DecisionReason.NO_RECORD);
        assertThat(consents.store()).isInstanceOf(InMemoryConsentStore.class);
    }

    @Test
    void minimalUseWhenRunWithAFixedClockThenTheGrantLapsesAfter13Months() {
        Instant start = Instant.parse("2025-01-15T12:00:00Z");
        InMemoryConsentStore store = new InMemoryConsentStore();
        ConsentManager consents = ConsentManager.builder()
                .purposes(Purpose.builder("marketing.email")
                        .basis(LegalBasis.CONSENT)
                        .title("Newsletter by e-mail")
                        .validFor(Period.ofMonths(13))
                        .build())
                .store(store)
                .clock(Clock.fixed(start, ZoneOffset.UTC))
                .build();
        ConsentRecord grant = consents.record(ConsentCommand.grant("cust-42", "marketing.email")
                .evidence(Evidence.of(Source.WEB, "signup-form"))
                .build());

        assertThat(grant.expiresAt()).contains(Instant.parse("2026-02-15T12:00:00Z"));
        assertThat(consents.check("cust-42", "marketing.email").allowed()).isTrue();
        assertThat(consents.check("cust-43", "marketing.email").allowed()).isFalse();

        ConsentManager later = ConsentManager.builder()
                .purposes(Purpose.builder("marketing.email")
                        .basis(LegalBasis.CONSENT)
                        .title("Newsletter by e-mail")
                        .validFor(Period.ofMonths(13))
                        .build())
                .store(store)
                .clock(Clock.fixed(Instant.parse("2026-02-15T12:00:00Z"), ZoneOffset.UTC))
                .build();
        assertThat(later.check("cust-42", "marketing.email").allowed()).isFalse();
        assertThat(later.check("cust-42", "marketing.email").reason()).isEqualTo(DecisionReason.EXPIRED);
    }
}
