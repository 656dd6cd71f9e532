package dev.consentkit.examples.preferences;

import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The demo's people. Everyone signs in with the password {@value #PASSWORD}: this is a demo, so the login page
 * says so too.
 */
final class DemoUsers {

    static final String PASSWORD = "demo";

    /** Customers who can sign in to the preference centre. */
    static final List<String> SIGN_IN_CUSTOMERS = List.of("alice", "bob");

    /** The marketer who sends the newsletter. */
    static final String MARKETER = "mark";

    /** The auditor who downloads the audit log. */
    static final String AUDITOR = "audrey";

    /** Every customer in the demo: the two who sign in and 48 seeded ones. */
    static final List<String> ALL_CUSTOMERS = Stream.concat(
                    SIGN_IN_CUSTOMERS.stream(),
                    IntStream.rangeClosed(1, 48).mapToObj(i -> String.format("customer-%03d", i)))
            .toList();

    private DemoUsers() {}
}
