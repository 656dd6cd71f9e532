package dev.consentkit.testsupport;

import dev.consentkit.core.InMemoryConsentStore;
import dev.consentkit.core.spi.ConsentStore;

/** The store contract on the in-memory store. */
class InMemoryConsentStoreContractTest extends ConsentStoreContract {

    @Override
    protected ConsentStore newStore() {
        return new InMemoryConsentStore();
    }

    @Override
    protected int randomHistories() {
        return 60;
    }
}
