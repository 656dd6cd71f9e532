package dev.consentkit.core;

import static dev.consentkit.core.TestFixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionObserverTest {

    private static final Purpose EMAIL =
            Purpose.builder("marketing.email").basis(LegalBasis.CONSENT).build();
    private static final Purpose ANALYTICS =
            Purpose.builder("analytics").basis(LegalBasis.LEGITIMATE_INTERESTS).build();

    private final List<ConsentDecision> seen = new ArrayList<>();
    private final List<Long> durations = new ArrayList<>();

    private ConsentManagerBuilder builder() {
        return ConsentManager.builder().purposes(EMAIL, ANALYTICS).clock(CLOCK).store(new InMemoryConsentStore());
    }

    @Test
    void hearsEveryCheckAndRequireWithItsDecisionAndDuration() {
        ConsentManager consents = builder()
                .decisionObserver((decision, nanos) -> {
                    seen.add(decision);
                    durations.add(nanos);
                })
                .build();
        consents.record(ConsentCommand.grant("alice", "marketing.email").build());

        ConsentDecision allowed = consents.check("alice", "marketing.email");
        ConsentDecision denied = consents.check("bob", "marketing.email");
        ConsentDecision required = consents.require("alice", "analytics");
        assertThatThrownBy(() -> consents.require("bob", "marketing.email")).isInstanceOf(ConsentDeniedException.class);

        assertThat(seen).hasSize(4).startsWith(allowed, denied, required);
        assertThat(seen.get(3).reason()).isEqualTo(DecisionReason.NO_RECORD);
        assertThat(seen).extracting(ConsentDecision::allowed).containsExactly(true, false, true, false);
        assertThat(durations).allSatisfy(nanos -> assertThat(nanos).isNotNegative());
    }

    @Test
    void aFailingObserverDoesNotChangeTheDecision() {
        ConsentManager consents = builder()
                .decisionObserver((decision, nanos) -> {
                    throw new IllegalStateException("metrics backend down");
                })
                .build();
        consents.record(ConsentCommand.grant("alice", "marketing.email").build());

        assertThat(consents.check("alice", "marketing.email").allowed()).isTrue();
        assertThat(consents.check("bob", "marketing.email").allowed()).isFalse();
    }

    @Test
    void isNotToldOfInvalidRequests() {
        ConsentManager consents = builder()
                .decisionObserver((decision, nanos) -> seen.add(decision))
                .build();

        assertThatThrownBy(() -> consents.check("alice", "no.such.purpose"))
                .isInstanceOf(UnknownPurposeException.class);
        assertThatThrownBy(() -> consents.check("", "analytics")).isInstanceOf(InvalidConsentRequestException.class);

        assertThat(seen).isEmpty();
    }
}
