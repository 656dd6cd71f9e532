package dev.consentkit.jdbc;

import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;
import java.sql.SQLException;

/** The migration from schema version 1 on the MariaDB server named by CONSENTKIT_TEST_MARIADB_URL. */
@RequiresDatabase(Database.MARIADB)
class MariaDbMigrationFromVersion1IT extends AbstractMigrationFromVersion1Test {

    @Override
    protected Scratch openScratch() throws SQLException {
        return PostgresMigrationFromVersion1IT.ServerScratch.open(Database.MARIADB, "mariadb");
    }
}
