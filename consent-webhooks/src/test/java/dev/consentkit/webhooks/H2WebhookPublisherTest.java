package dev.consentkit.webhooks;

import dev.consentkit.jdbc.TestDatabase;

/** The webhook publisher's behaviour on an in-memory H2 database. */
class H2WebhookPublisherTest extends AbstractWebhookPublisherTest {

    @Override
    protected TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
