/**
 * What a ConsentKit test needs: the store contract every {@code ConsentStore} must pass, a clock tests move by
 * hand, and gates for tests that need a real database, a RabbitMQ broker or a browser. Add this module with test scope.
 */
@NullMarked
package dev.consentkit.testsupport;

import org.jspecify.annotations.NullMarked;
