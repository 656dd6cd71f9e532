package dev.consentkit.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.InvalidConsentRequestException.Violation;
import dev.consentkit.core.Source;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChoiceRequestTest {

    private static ChoiceRequest read(String json) {
        return ChoiceRequest.read(json.getBytes(StandardCharsets.UTF_8));
    }

    private static InvalidConsentRequestException rejected(String json) {
        return catchThrowableOfType(InvalidConsentRequestException.class, () -> read(json));
    }

    @Test
    void aValidBodyBindsWithStatusAndSourceInAnyCase() {
        ChoiceRequest choice = read("{\"purpose\":\"ads.sale\",\"status\":\"opted_out\",\"source\":\"phone\","
                + "\"purposeVersion\":2,\"pendingConfirmation\":false,\"effectiveAt\":\"2026-01-01T00:00:00Z\"}");
        assertThat(choice.status()).isEqualTo(ChoiceRequest.Status.OPTED_OUT);
        assertThat(choice.source()).isEqualTo(Source.PHONE);
        assertThat(choice.purposeVersion()).isEqualTo(2);
        assertThat(choice.effectiveInstant()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    }

    @Test
    void everyRejectedFieldIsNamedInOneExceptionInFieldOrder() {
        assertThat(rejected("{\"status\":{\"a\":1},\"purpose\":[1],\"purposeVersion\":\"x\",\"extra\":1}")
                        .violations())
                .extracting(Violation::field)
                .containsExactly("extra", "purpose", "purposeVersion", "status");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"purpose\":5,\"status\":\"GRANTED\"}|purpose|must be a string",
                "{\"purpose\":\"a\",\"status\":\"PENDING\"}|status|must be GRANTED, DENIED, WITHDRAWN or OPTED_OUT",
                "{\"purpose\":\"a\",\"status\":\"GRANTED\",\"pendingConfirmation\":1}|pendingConfirmation|"
                        + "must be true or false",
                "{\"purpose\":\"a\",\"status\":\"GRANTED\",\"purposeVersion\":1.5}|purposeVersion|must be a whole number",
                "{\"purpose\":\"a\",\"status\":\"GRANTED\",\"effectiveAt\":12}|effectiveAt|"
                        + "must be an ISO-8601 instant such as 2026-01-31T12:00:00Z",
                "{\"purpose\":\"a\",\"status\":\"GRANTED\",\"source\":\"GPC_SIGNAL\"}|source|"
                        + "must be a source other than GPC_SIGNAL",
                "{\"purpose\":null,\"status\":\"GRANTED\"}|purpose|must not be null",
                "[1]|body|must be a JSON object",
                "\"text\"|body|must be a JSON object",
                "null|body|must be a JSON object",
                "{\"purpose\": |body|must be a JSON object"
            })
    void aBadValueIsNamedWithWhatWasExpected(String json, String field, String message) {
        assertThat(rejected(json).violations()).containsExactly(new Violation(field, message));
    }

    @Test
    void anEmptyBodyIsRejected() {
        assertThat(catchThrowableOfType(InvalidConsentRequestException.class, () -> ChoiceRequest.read(null))
                        .violations())
                .extracting(Violation::field)
                .containsExactly("body");
    }
}
