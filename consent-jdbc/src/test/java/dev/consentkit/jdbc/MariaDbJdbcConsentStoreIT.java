package dev.consentkit.jdbc;

import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;

/** The store contract and the JDBC tests on the MariaDB server named by CONSENTKIT_TEST_MARIADB_URL. */
@RequiresDatabase(Database.MARIADB)
class MariaDbJdbcConsentStoreIT extends AbstractJdbcConsentStoreTest {

    @Override
    protected TestDatabase openDatabase() {
        return TestDatabase.fromEnvironment(Database.MARIADB);
    }

    @Override
    protected int writesPerThread() {
        return 500;
    }
}
