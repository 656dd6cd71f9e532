/**
 * What integrators implement or call when they plug in storage or observe changes: the
 * {@link dev.consentkit.core.spi.ConsentStore} contract and {@link dev.consentkit.core.spi.ConsentListener}.
 */
@NullMarked
package dev.consentkit.core.spi;

import org.jspecify.annotations.NullMarked;
