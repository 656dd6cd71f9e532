package dev.consentkit.jdbc;

import dev.consentkit.core.DecisionCache;
import dev.consentkit.core.spi.ConsentStore;
import dev.consentkit.testsupport.ConsentStoreContract;
import org.junit.jupiter.api.AfterAll;

/** The store contract on H2 with the decision cache in front of the JDBC store: the cache must change no answer. */
class CachedH2ConsentStoreContractTest extends ConsentStoreContract {

    private static final TestDatabase DB = TestDatabase.h2();

    static {
        DB.storeBuilder().build().createSchemaIfMissing();
    }

    @AfterAll
    static void close() {
        DB.close();
    }

    @Override
    protected ConsentStore newStore() {
        DB.clear();
        return DecisionCache.withDefaults().wrap(DB.storeBuilder().clock(clock).build());
    }
}
