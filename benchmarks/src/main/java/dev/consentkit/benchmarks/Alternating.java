package dev.consentkit.benchmarks;

import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** Each benchmark thread's random subjects and alternating grants and withdrawals. */
@State(Scope.Thread)
public class Alternating {
    final SplittableRandom random = new SplittableRandom();
    long n;

    boolean grant() {
        return (n++ & 1) == 0;
    }
}
