/**
 * ConsentKit's public API: declare {@link dev.consentkit.core.Purpose purposes}, record what each
 * subject chose with a {@link dev.consentkit.core.ConsentManager}, and ask it before processing.
 *
 * <h2 id="exception-policy">Exceptions for bad input</h2>
 *
 * <p>Every exception ConsentKit throws is an unchecked {@link dev.consentkit.core.ConsentException}. One policy
 * covers the public values, their static factories and every builder (here and in {@code dev.consentkit.jdbc}):
 *
 * <ul>
 *   <li>Bad input to a public constructor, static factory or builder setter (null included), and a property that
 *       is missing or invalid when {@code build()} is called, throws
 *       {@link dev.consentkit.core.InvalidConsentRequestException}, never {@link NullPointerException},
 *       {@link IllegalArgumentException} or {@link IllegalStateException}.
 *   <li>Each {@linkplain dev.consentkit.core.InvalidConsentRequestException#violations() violation} names the
 *       field: a value's component prefixed by the value ({@code purpose.title}, {@code evidence.source},
 *       {@code chainLink.sequence}); the ids name {@code subject} and {@code purpose}; the builders of the
 *       manager, the JDBC store and the outbox relay name the setter ({@code tenant}, {@code tablePrefix},
 *       {@code batchSize}); a method's arguments go by the parameter name.
 *   <li>Messages say what the rule is, never the rejected value: no subject identifier or evidence appears in
 *       them, so handlers may log them.
 *   <li>Commands and their evidence are the one difference in timing: {@link dev.consentkit.core.ConsentCommand}
 *       and {@link dev.consentkit.core.Evidence} are checked in full when recorded, so that one exception lists
 *       every violation of a batch; before that, only what cannot be built (a null part) is rejected.
 *   <li>{@link IllegalStateException} stays for invariants a caller cannot break (in the {@code internal}
 *       packages) and for a call the object's configuration does not allow, such as
 *       {@link dev.consentkit.core.ConsentManager#erase(String, String) erase} without a pseudonym key.
 * </ul>
 */
@NullMarked
package dev.consentkit.core;

import org.jspecify.annotations.NullMarked;
