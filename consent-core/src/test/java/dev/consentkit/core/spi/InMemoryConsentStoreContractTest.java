package dev.consentkit.core.spi;

import dev.consentkit.core.InMemoryConsentStore;

/** The store contract on the in-memory store. */
class InMemoryConsentStoreContractTest extends ConsentStoreContract {

    @Override
    protected ConsentStore newStore() {
        return new InMemoryConsentStore();
    }
}
