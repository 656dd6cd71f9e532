package dev.consentkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.InetAddress;
import java.security.Permission;
import java.security.Security;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Test helper: records every host-name resolution a piece of code attempts, without letting it reach the
 * network. On JDK 17 it asks the security manager, which {@link InetAddress} calls with
 * {@code checkConnect(host, -1)} before it resolves a name (never for an address literal). From JDK 18 on, where
 * a security manager can no longer be installed, the name service itself records: the test sources in
 * {@code src/test/java18} register a {@code java.net.spi.InetAddressResolverProvider} that refuses and records
 * every lookup while a probe runs and passes the others to the built-in resolver. Either way, each probe first
 * checks with a name of its own that it does see lookups, and fails if it does not.
 */
final class NameLookupProbe {

    private static final AtomicLong SENTINELS = new AtomicLong();

    static {
        // a cached answer would reach the caller without a lookup; the build also sets this for the test JVM
        Security.setProperty("networkaddress.cache.ttl", "0");
        Security.setProperty("networkaddress.cache.negative.ttl", "0");
    }

    /** Where the JDK 18+ resolver records while a probe runs; {@code null} when none runs. */
    static volatile List<String> recording;

    private NameLookupProbe() {}

    /** Runs {@code call} (ignoring what it throws) and returns the host names it tried to resolve. */
    static List<String> lookupsDuring(ThrowingCallable call) {
        String sentinel = "name-lookup-probe-" + SENTINELS.incrementAndGet() + ".invalid";
        List<String> lookups =
                Runtime.version().feature() >= 18 ? withResolver(sentinel, call) : withSecurityManager(sentinel, call);
        assertThat(lookups)
                .as(
                        "the name-lookup probe must see its own lookup of %s; on JDK 18+ the test resolver "
                                + "from src/test/java18 must be compiled (the jdk18+ profile) and registered",
                        sentinel)
                .startsWith(sentinel);
        return List.copyOf(lookups.subList(1, lookups.size()));
    }

    private static List<String> withResolver(String sentinel, ThrowingCallable call) {
        List<String> lookups = new CopyOnWriteArrayList<>();
        recording = lookups;
        try {
            catchThrowable(() -> InetAddress.getByName(sentinel));
            catchThrowable(call);
        } finally {
            recording = null;
        }
        return lookups;
    }

    @SuppressWarnings("removal")
    private static List<String> withSecurityManager(String sentinel, ThrowingCallable call) {
        List<String> lookups = new CopyOnWriteArrayList<>();
        SecurityManager previous = System.getSecurityManager();
        System.setSecurityManager(new SecurityManager() {
            @Override
            public void checkConnect(String host, int port) {
                if (port == -1) {
                    lookups.add(host);
                    throw new SecurityException("no name resolution in this test");
                }
            }

            @Override
            public void checkPermission(Permission perm) {}

            @Override
            public void checkPermission(Permission perm, Object context) {}
        });
        try {
            catchThrowable(() -> InetAddress.getByName(sentinel));
            catchThrowable(call);
        } finally {
            System.setSecurityManager(previous);
        }
        return lookups;
    }
}
