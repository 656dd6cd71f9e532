package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ConsentManager#allowed(String, String)} refuses bad input as {@code check} does. That it answers as
 * {@code check(...).allowed()} does is the contract's {@code AllowedAgreesWithCheck} group, run on every store
 * (60 random histories on the in-memory store).
 */
class AllowedMatchesCheckTest {

    static final List<Purpose> PURPOSES =
            List.of(Purpose.builder("mkt").basis(LegalBasis.CONSENT).build());

    @Test
    void invalidInputThrowsAsCheckDoes() {
        ConsentManager consents = ConsentManager.builder().purposes(PURPOSES).build();
        for (String bad : new String[] {"", "   ", "tab\tin", "line\u2028sep", "\uD800alone", "x".repeat(256)}) {
            assertThatExceptionOfType(InvalidConsentRequestException.class)
                    .isThrownBy(() -> consents.allowed(bad, "mkt"));
        }
        assertThatExceptionOfType(InvalidConsentRequestException.class)
                .isThrownBy(() -> consents.allowed((String) null, "mkt"));
        assertThatExceptionOfType(InvalidConsentRequestException.class)
                .isThrownBy(() -> consents.allowed("s-1", (String) null));
        assertThatExceptionOfType(InvalidConsentRequestException.class)
                .isThrownBy(() -> consents.allowed("s-1", "Not A Purpose"));
        assertThatExceptionOfType(UnknownPurposeException.class)
                .isThrownBy(() -> consents.allowed("s-1", "undeclared"));
    }
}
