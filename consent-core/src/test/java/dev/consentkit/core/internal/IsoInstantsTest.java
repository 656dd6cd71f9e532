package dev.consentkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IsoInstantsTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2026-06-01T08:00:00Z",
                "2026-06-01T08:00:00.100Z",
                "2026-06-01T08:00:00.123456Z",
                "2026-06-01T08:00:00.000001Z",
                "2026-06-01T08:00:00.123456789Z",
                "2026-06-01T08:00:00.000000001Z",
                "1970-01-01T00:00:00Z",
                "1969-12-31T23:59:59.999999999Z",
                "0000-01-01T00:00:00Z",
                "0999-03-04T05:06:07.010Z",
                "9999-12-31T23:59:59.999999999Z",
                "+10000-01-01T00:00:00Z",
                "-0001-12-31T23:59:59Z",
                "2024-02-29T12:00:00Z"
            })
    void formatsLikeInstantToString(String text) {
        Instant instant = Instant.parse(text);

        assertThat(IsoInstants.format(instant)).isEqualTo(instant.toString()).isEqualTo(text);
    }

    @Test
    void formatsRandomInstantsLikeInstantToString() {
        SplittableRandom random = new SplittableRandom(20261123);
        long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 100_000; i++) {
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(random.nextLong(min, max + 1), nanos);

            assertThat(IsoInstants.format(instant)).isEqualTo(instant.toString());
        }
    }
}
