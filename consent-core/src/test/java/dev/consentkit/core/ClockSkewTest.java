package dev.consentkit.core;

import static dev.consentkit.core.TestFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** A manager's clock behind another writer's: the correction is counted and logged once beyond the bound. */
class ClockSkewTest {

    private final InMemoryConsentStore store = new InMemoryConsentStore();

    private ConsentManager at(Duration offset, Duration maxClockSkew) {
        return TestFixtures.manager()
                .store(store)
                .clock(Clock.fixed(NOW.plus(offset), ZoneOffset.UTC))
                .maxClockSkew(maxClockSkew)
                .build();
    }

    @Test
    void aCorrectionWithinTheBoundIsNotCounted() {
        at(Duration.ofSeconds(2), Duration.ofSeconds(5))
                .record(ConsentCommand.grant("cust-1", "marketing.email").build());
        ConsentManager slow = at(Duration.ZERO, Duration.ofSeconds(5));

        ConsentRecord withdrawal =
                slow.record(ConsentCommand.withdraw("cust-1", "marketing.email").build());

        assertThat(withdrawal.recordedAt()).isAfter(NOW.plusSeconds(2));
        assertThat(slow.clockSkewCorrections()).isZero();
    }

    @Test
    void correctionsBeyondTheBoundAreCountedAndLoggedOnceWithoutTheSubject() {
        at(Duration.ofSeconds(2), Duration.ofSeconds(5))
                .record(ConsentCommand.grant("subject-x1", "marketing.email").build());
        at(Duration.ofSeconds(2), Duration.ofSeconds(5))
                .record(ConsentCommand.grant("subject-x2", "marketing.email").build());
        ConsentManager slow = at(Duration.ZERO, Duration.ofSeconds(1));

        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            slow.record(ConsentCommand.withdraw("subject-x1", "marketing.email").build());
            slow.record(ConsentCommand.withdraw("subject-x2", "marketing.email").build());
            slow.record(ConsentCommand.withdraw("subject-x3", "marketing.email").build()); // a new chain: no skew
        } finally {
            System.setErr(err);
        }

        assertThat(slow.clockSkewCorrections()).isEqualTo(2);
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log.split("maxClockSkew", -1)).hasSize(2); // once
        assertThat(log).contains("WARN").doesNotContain("subject-x");
        assertThat(slow.verify().intact()).isTrue();
    }

    @Test
    void theBoundMustNotBeNegative() {
        assertThatThrownBy(() -> ConsentManager.builder().maxClockSkew(Duration.ofSeconds(-1)))
                .isInstanceOf(InvalidConsentRequestException.class)
                .hasMessageContaining("maxClockSkew");
    }
}
