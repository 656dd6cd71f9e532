package dev.consentkit.core;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Assumptions;

import java.security.Permission;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Test helper: records every host-name resolution a piece of code attempts, without letting it reach the
 * network. {@link java.net.InetAddress} asks the security manager {@code checkConnect(host, -1)} before it
 * resolves a name and never for an address literal. Needs a JDK that still lets tests install a security
 * manager (17 does by default); elsewhere the calling test is skipped.
 */
final class NameLookupProbe {

    private NameLookupProbe() {
    }

    /** Runs {@code call} (ignoring what it throws) and returns the host names it tried to resolve. */
    @SuppressWarnings("removal")
    static List<String> lookupsDuring(ThrowingCallable call) {
        List<String> lookups = new ArrayList<>();
        SecurityManager previous = System.getSecurityManager();
        try {
            System.setSecurityManager(new SecurityManager() {
                @Override
                public void checkConnect(String host, int port) {
                    if (port == -1) {
                        lookups.add(host);
                        throw new SecurityException("no name resolution in this test");
                    }
                }

                @Override
                public void checkPermission(Permission perm) {
                }

                @Override
                public void checkPermission(Permission perm, Object context) {
                }
            });
        } catch (UnsupportedOperationException e) {
            Assumptions.abort("this JDK does not allow a security manager; cannot observe name lookups");
        }
        try {
            catchThrowable(call);
        } finally {
            System.setSecurityManager(previous);
        }
        return lookups;
    }
}
