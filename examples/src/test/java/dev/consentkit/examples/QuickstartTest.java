package dev.consentkit.examples;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.DecisionReason;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class QuickstartTest {

    @Test
    void tourPrintsDecisionsVerifiesAndErases() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        ConsentManager consents = Quickstart.run(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        String out = buffer.toString(StandardCharsets.UTF_8);

        assertThat(out).containsPattern("alice +marketing\\.email +yes +GRANTED")
                .containsPattern("bob +marketing\\.email +no +WITHDRAWN")
                .containsPattern("alice +ads\\.sale +no +OPTED_OUT")
                .containsPattern("alice +marketing\\.email +no +EXPIRED")
                .contains("Chains verified: 5 records, 3 subjects, intact=true")
                .contains("After erasing carol: 6 records, intact=true, carol analytics -> ERASED");
        assertThat(consents.check("carol", "analytics").reason()).isEqualTo(DecisionReason.ERASED);
        assertThat(consents.verify().intact()).isTrue();
    }
}
