package dev.consentkit.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} for tests that stands still until a test moves it, or that moves by a fixed step on every
 * read when built with {@link #ticking(Instant, Duration)}. Thread-safe: clocks made by {@link #withZone(ZoneId)}
 * share the instant with the clock they were made from. {@link #set(Instant)} may also move it back, which
 * tests should rarely need.
 */
public final class TestClock extends Clock {

    private final AtomicReference<Instant> now;
    private final Duration step;
    private final ZoneId zone;

    private TestClock(AtomicReference<Instant> now, Duration step, ZoneId zone) {
        this.now = now;
        this.step = step;
        this.zone = zone;
    }

    /** A clock in UTC that reads {@code start} until a test moves it. */
    public static TestClock at(Instant start) {
        return new TestClock(
                new AtomicReference<>(Objects.requireNonNull(start, "start")), Duration.ZERO, ZoneOffset.UTC);
    }

    /**
     * A clock in UTC that moves forward by {@code step} before every read: the first read returns
     * {@code start + step}. For tests that need each record at a distinct instant.
     */
    public static TestClock ticking(Instant start, Duration step) {
        Objects.requireNonNull(step, "step");
        if (step.isNegative() || step.isZero()) {
            throw new IllegalArgumentException("step must be positive");
        }
        return new TestClock(new AtomicReference<>(Objects.requireNonNull(start, "start")), step, ZoneOffset.UTC);
    }

    /** Sets the current instant. */
    public void set(Instant instant) {
        now.set(Objects.requireNonNull(instant, "instant"));
    }

    /** Moves the clock forward by {@code amount} and returns the new instant. */
    public Instant advance(Duration amount) {
        Objects.requireNonNull(amount, "amount");
        return now.updateAndGet(t -> t.plus(amount));
    }

    /** Moves the clock forward by a calendar period (counted in UTC) and returns the new instant. */
    public Instant advance(Period amount) {
        Objects.requireNonNull(amount, "amount");
        return now.updateAndGet(t -> t.atZone(ZoneOffset.UTC).plus(amount).toInstant());
    }

    @Override
    public Instant instant() {
        return Objects.requireNonNull(step.isZero() ? now.get() : now.updateAndGet(t -> t.plus(step)));
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public TestClock withZone(ZoneId zone) {
        return new TestClock(now, step, Objects.requireNonNull(zone, "zone"));
    }
}
