package dev.consentkit.webhooks;

import dev.consentkit.jdbc.TestDatabase;
import dev.consentkit.testsupport.Database;
import dev.consentkit.testsupport.RequiresDatabase;

/** The webhook publisher's behaviour on the PostgreSQL server named by CONSENTKIT_TEST_POSTGRES_URL. */
@RequiresDatabase(Database.POSTGRESQL)
class PostgresWebhookPublisherIT extends AbstractWebhookPublisherTest {

    @Override
    protected TestDatabase openDatabase() {
        return TestDatabase.fromEnvironment(Database.POSTGRESQL);
    }
}
