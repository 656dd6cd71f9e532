package dev.consentkit.jdbc;

/** Two instances on one H2 database: the feed polls the log. */
class H2CrossInstanceCacheTest extends AbstractCrossInstanceCacheTest {

    @Override
    protected TestDatabase openDatabase() {
        return TestDatabase.h2();
    }

    @Override
    protected JdbcChangeFeed.Mode mode() {
        return JdbcChangeFeed.Mode.POLL;
    }
}
