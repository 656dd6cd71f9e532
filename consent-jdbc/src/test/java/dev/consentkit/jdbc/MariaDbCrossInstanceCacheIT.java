package dev.consentkit.jdbc;

import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;

/** Two instances on the MariaDB server named by CONSENTKIT_TEST_MARIADB_URL: the feed polls the log. */
@RequiresDatabase(Database.MARIADB)
class MariaDbCrossInstanceCacheIT extends AbstractCrossInstanceCacheTest {

    @Override
    protected TestDatabase openDatabase() {
        return TestDatabase.fromEnvironment(Database.MARIADB);
    }

    @Override
    protected JdbcChangeFeed.Mode mode() {
        return JdbcChangeFeed.Mode.POLL;
    }
}
