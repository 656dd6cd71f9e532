package dev.consentkit.jdbc;

/** The store contract and the JDBC tests on the PostgreSQL server named by CONSENTKIT_TEST_POSTGRES_URL. */
class PostgresJdbcConsentStoreIT extends AbstractJdbcConsentStoreTest {

    @Override
    protected TestDatabase openDatabase() {
        return TestDatabase.fromEnvironment("Postgres");
    }

    @Override
    protected int writesPerThread() {
        return 500;
    }
}
