package dev.consentkit.webhooks;

import dev.consentkit.jdbc.TestDatabase;
import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;

/** The webhook publisher's behaviour on the MariaDB server named by CONSENTKIT_TEST_MARIADB_URL. */
@RequiresDatabase(Database.MARIADB)
class MariaDbWebhookPublisherIT extends AbstractWebhookPublisherTest {

    @Override
    protected TestDatabase openDatabase() {
        return TestDatabase.fromEnvironment(Database.MARIADB);
    }
}
