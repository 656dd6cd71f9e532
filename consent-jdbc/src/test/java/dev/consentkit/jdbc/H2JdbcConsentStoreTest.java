package dev.consentkit.jdbc;

/** The store contract and the JDBC tests on an in-memory H2 database. */
class H2JdbcConsentStoreTest extends AbstractJdbcConsentStoreTest {

    @Override
    protected TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
