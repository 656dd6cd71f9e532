package dev.consentkit.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class TestClockTest {

    private static final Instant START = Instant.parse("2026-01-31T10:00:00Z");

    @Test
    void instantWhenNotMovedThenStandsStill() {
        TestClock clock = TestClock.at(START);

        assertThat(clock.instant()).isEqualTo(START);
        assertThat(clock.instant()).isEqualTo(START);
    }

    @Test
    void advanceMovesByDurationsAndCalendarPeriodsInUtc() {
        TestClock clock = TestClock.at(START);

        assertThat(clock.advance(Duration.ofMinutes(5))).isEqualTo(Instant.parse("2026-01-31T10:05:00Z"));
        assertThat(clock.advance(Period.ofMonths(1))).isEqualTo(Instant.parse("2026-02-28T10:05:00Z"));
        clock.set(START);
        assertThat(clock.instant()).isEqualTo(START);
    }

    @Test
    void tickingClockMovesBeforeEveryRead() {
        TestClock clock = TestClock.ticking(START, Duration.ofSeconds(1));

        assertThat(clock.instant()).isEqualTo(START.plusSeconds(1));
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(2));
        assertThatIllegalArgumentException().isThrownBy(() -> TestClock.ticking(START, Duration.ZERO));
    }

    @Test
    void withZoneSharesTheInstant() {
        TestClock clock = TestClock.at(START);
        TestClock berlin = clock.withZone(ZoneId.of("Europe/Berlin"));

        clock.advance(Duration.ofHours(1));

        assertThat(berlin.instant()).isEqualTo(START.plus(Duration.ofHours(1)));
        assertThat(berlin.getZone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(clock.getZone().getId()).isEqualTo("Z");
    }
}
