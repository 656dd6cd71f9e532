package dev.consentkit.jdbc;

/** The store contract and the JDBC tests on the MariaDB server named by CONSENTKIT_TEST_MARIADB_URL. */
class MariaDbJdbcConsentStoreIT extends AbstractJdbcConsentStoreTest {

    @Override
    protected TestDatabase openDatabase() {
        return TestDatabase.fromEnvironment("MariaDB");
    }

    @Override
    protected int writesPerThread() {
        return 500;
    }
}
