package dev.consentkit.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * A {@link Clock} for tests that stands still until a test moves it. Thread-safe. Only moves forward
 * when asked; {@link #set(Instant)} may also move it back, which tests should not need.
 */
final class MutableClock extends Clock {

    private volatile Instant now;
    private final ZoneId zone;

    MutableClock(Instant start) {
        this(start, ZoneOffset.UTC);
    }

    private MutableClock(Instant start, ZoneId zone) {
        this.now = Objects.requireNonNull(start, "start");
        this.zone = Objects.requireNonNull(zone, "zone");
    }

    /** Sets the current instant. */
    void set(Instant instant) {
        this.now = Objects.requireNonNull(instant, "instant");
    }

    /** Moves the clock forward by {@code amount} and returns the new instant. */
    Instant advance(Duration amount) {
        now = now.plus(amount);
        return now;
    }

    /** Moves the clock forward by a calendar period (in UTC) and returns the new instant. */
    Instant advance(Period amount) {
        now = now.atZone(ZoneOffset.UTC).plus(amount).toInstant();
        return now;
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return new MutableClock(now, zone);
    }
}
