package dev.consentkit.examples.preferences;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.IdempotencyConflictException;
import dev.consentkit.core.InMemoryConsentStore;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import org.junit.jupiter.api.Test;

/** The preference centre's key per submitted choice, against a real manager. */
class ChoiceKeyTest {

    private final ConsentManager consents = ConsentManager.builder()
            .purposes(
                    Purpose.builder("marketing.email").basis(LegalBasis.CONSENT).build())
            .store(new InMemoryConsentStore())
            .build();

    private ConsentRecord submit(String formToken, ConsentCommand.Builder choice, ConsentStatus status) {
        return consents.record(
                choice.idempotencyKey(PreferencesController.choiceKey(formToken, "marketing.email", status))
                        .build());
    }

    @Test
    void anotherChoiceFromTheSameRenderedFormIsWrittenAndARepeatedOneIsNot() {
        ConsentRecord granted =
                submit("form-1", ConsentCommand.grant("alice", "marketing.email"), ConsentStatus.GRANTED);
        ConsentRecord again = submit("form-1", ConsentCommand.grant("alice", "marketing.email"), ConsentStatus.GRANTED);
        ConsentRecord withdrawn =
                submit("form-1", ConsentCommand.withdraw("alice", "marketing.email"), ConsentStatus.WITHDRAWN);

        assertThat(again).isEqualTo(granted);
        assertThat(withdrawn.status()).isEqualTo(ConsentStatus.WITHDRAWN);
        assertThat(consents.check("alice", "marketing.email").allowed()).isFalse();
    }

    @Test
    void theOldKeyPerFormAndPurposeWouldHaveBeenRefusedForTheSecondChoice() {
        consents.record(ConsentCommand.grant("alice", "marketing.email")
                .idempotencyKey("pc-form-1-marketing.email")
                .build());

        assertThatThrownBy(() -> consents.record(ConsentCommand.withdraw("alice", "marketing.email")
                        .idempotencyKey("pc-form-1-marketing.email")
                        .build()))
                .isInstanceOf(IdempotencyConflictException.class);
    }
}
