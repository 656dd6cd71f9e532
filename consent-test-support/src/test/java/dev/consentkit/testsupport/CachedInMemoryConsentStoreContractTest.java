package dev.consentkit.testsupport;

import dev.consentkit.core.DecisionCache;
import dev.consentkit.core.InMemoryConsentStore;
import dev.consentkit.core.spi.ConsentStore;

/** The store contract on the in-memory store behind the decision cache: the cache must change no answer. */
class CachedInMemoryConsentStoreContractTest extends ConsentStoreContract {

    @Override
    protected ConsentStore newStore() {
        return DecisionCache.withDefaults().wrap(new InMemoryConsentStore());
    }
}
