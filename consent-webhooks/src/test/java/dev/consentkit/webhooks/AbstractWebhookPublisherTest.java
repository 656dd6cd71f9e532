package dev.consentkit.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.jdbc.OutboxPublisher;
import dev.consentkit.jdbc.OutboxRelay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What a {@link WebhookPublisher} behind a real relay does, against a real database and a local endpoint. */
abstract class AbstractWebhookPublisherTest extends AbstractWebhookDeliveryTest {

    @Test
    void everyEntryArrivesOnceInChainOrderPerSubjectSignedAndStampedWithTheClock() {
        Map<String, List<AuditEntry>> written = sixEntries();
        OutboxRelay relay = relay(publisher(b -> b));

        drain(relay);

        List<TestEndpoint.Request> requests = endpoint.requests();
        List<AuditEntry> all = new ArrayList<>(written.get("alice"));
        all.addAll(written.get("bob"));
        assertThat(TestEndpoint.ids(requests)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids(all));
        for (Map.Entry<String, List<AuditEntry>> subject : written.entrySet()) {
            assertThat(requests.stream()
                            .filter(r -> json(r).get("subject").asString().equals(subject.getKey()))
                            .map(TestEndpoint.Request::id)
                            .toList())
                    .as("chain order of %s", subject.getKey())
                    .containsExactlyElementsOf(ids(subject.getValue()));
        }
        for (TestEndpoint.Request r : requests) {
            assertThat(StandardWebhooks.verifies(SECRET, r))
                    .as("signature of %s", r.id())
                    .isTrue();
            assertThat(r.signature()).doesNotContain(" ");
            assertThat(r.timestamp()).isEqualTo(Long.toString(T0.getEpochSecond()));
            assertThat(r.contentType()).isEqualTo("application/cloudevents+json");
            assertThat(json(r).get("id").asString()).isEqualTo(r.id());
        }
        AuditEntry optOut = written.get("alice").get(1);
        assertThat(requests)
                .filteredOn(r -> r.id().equals(optOut.id().toString()))
                .singleElement()
                .satisfies(r -> assertThat(r.body()).isEqualTo(body(optOut)));
        assertThat(deliveries().attempts(optOut.id()))
                .containsExactly(new WebhookDelivery(
                        "crm",
                        optOut.id(),
                        1,
                        T0,
                        DeliveryOutcome.DELIVERED,
                        java.util.Optional.of(200),
                        java.util.Optional.empty()));
        assertThat(deliveries().deliveredAt("crm", optOut.id())).contains(T0);
        assertThat(deliveries().deadLettered("crm")).isEmpty();
    }

    @Test
    void aFailingEndpointGetsFailedRowsTheRelayBacksOffAndTheEntryIsDeliveredAfterRecovery() {
        List<AuditEntry> alice = threeEntries("alice");
        endpoint.respond(r -> 500);
        OutboxRelay relay = relay(publisher(b -> b));

        assertThat(relay.deliverPending()).isZero();
        assertThat(TestEndpoint.ids(endpoint.requests()))
                .as("the later entries wait")
                .containsExactly(alice.get(0).id().toString());
        assertThat(relay.deliverPending()).as("the relay backs off").isZero();
        assertThat(endpoint.requests()).hasSize(1);
        clock.advance(BACKOFF);
        assertThat(relay.deliverPending()).isZero();
        assertThat(endpoint.requests()).hasSize(2);

        endpoint.respond(r -> 204);
        drain(relay);

        assertThat(TestEndpoint.ids(endpoint.requests()))
                .containsExactlyElementsOf(List.of(
                        alice.get(0).id().toString(),
                        alice.get(0).id().toString(),
                        alice.get(0).id().toString(),
                        alice.get(1).id().toString(),
                        alice.get(2).id().toString()));
        List<WebhookDelivery> first = deliveries().attempts(alice.get(0).id());
        assertThat(first).extracting(WebhookDelivery::attempt).containsExactly(1, 2, 3);
        assertThat(first)
                .extracting(WebhookDelivery::outcome)
                .containsExactly(DeliveryOutcome.FAILED, DeliveryOutcome.FAILED, DeliveryOutcome.DELIVERED);
        assertThat(first.get(0).httpStatus()).contains(500);
        assertThat(first.get(0).detail()).contains("HTTP 500");
        assertThat(first.get(2).httpStatus()).contains(204);
        assertThat(first.get(2).attemptedAt()).isAfter(first.get(0).attemptedAt());
        assertThat(first).allSatisfy(d -> assertThat(d.detail().orElse("")).doesNotContain("alice"));
        assertThat(endpoint.requests().get(2).timestamp())
                .as("a retry is stamped and signed anew")
                .isEqualTo(Long.toString(first.get(2).attemptedAt().getEpochSecond()));
        assertThat(endpoint.requests())
                .allSatisfy(
                        r -> assertThat(StandardWebhooks.verifies(SECRET, r)).isTrue());
    }

    @Test
    void afterMaxAttemptsAnEntryIsDeadLetteredAndTheFollowingEntriesAreStillDelivered() {
        List<AuditEntry> alice = threeEntries("alice");
        String doomed = alice.get(0).id().toString();
        endpoint.respond(r -> r.id().equals(doomed) ? 503 : 200);
        OutboxRelay relay = relay(publisher(b -> b.maxAttempts(3)));

        drain(relay);

        assertThat(TestEndpoint.ids(endpoint.requests()))
                .containsExactly(
                        doomed,
                        doomed,
                        doomed,
                        alice.get(1).id().toString(),
                        alice.get(2).id().toString());
        List<WebhookDelivery> rows = deliveries().attempts(alice.get(0).id());
        assertThat(rows)
                .extracting(WebhookDelivery::outcome)
                .containsExactly(
                        DeliveryOutcome.FAILED,
                        DeliveryOutcome.FAILED,
                        DeliveryOutcome.FAILED,
                        DeliveryOutcome.DEAD_LETTERED);
        assertThat(rows).extracting(WebhookDelivery::attempt).containsExactly(1, 2, 3, 4);
        WebhookDelivery dead = rows.get(3);
        assertThat(dead.detail()).hasValueSatisfying(d -> assertThat(d).contains("3 attempts", "HTTP 503"));
        assertThat(deliveries().deadLettered("crm")).containsExactly(dead);
        assertThat(deliveries().deadLettered("other")).isEmpty();
        assertThat(deliveries().deliveredAt("crm", alice.get(0).id())).isEmpty();
        assertThat(deliveries().deliveredAt("crm", alice.get(1).id())).isPresent();
        assertDeliveredOnce(deliveries().attempts(alice.get(2).id()), "crm");

        relay.deliverPending();
        assertThat(endpoint.requests()).as("a dead letter is not sent again").hasSize(5);
    }

    @Test
    void withTwoSecretsEveryRequestCarriesTwoSignaturesBothValid() {
        String next = WebhookPublisher.newSecret();
        threeEntries("alice");
        OutboxRelay relay = relay(publisher(b -> b.secret(next)));

        drain(relay);

        assertThat(endpoint.requests()).hasSize(3).allSatisfy(r -> {
            String[] signatures = r.signature().split(" ");
            assertThat(signatures).hasSize(2);
            assertThat(StandardWebhooks.verifies(SECRET, r.id(), r.timestamp(), r.body(), signatures[0]))
                    .isTrue();
            assertThat(StandardWebhooks.verifies(next, r.id(), r.timestamp(), r.body(), signatures[1]))
                    .isTrue();
            assertThat(StandardWebhooks.verifies(next, r.id(), r.timestamp(), r.body(), signatures[0]))
                    .isFalse();
            assertThat(StandardWebhooks.verifies(SECRET, r.id(), r.timestamp(), r.body() + " ", r.signature()))
                    .as("a changed body fails")
                    .isFalse();
        });
    }

    @Test
    void aBatchOfferedAgainAfterTheRelaysTransactionFailedSendsNothingTwice() {
        List<AuditEntry> alice = threeEntries("alice");
        WebhookPublisher webhook = publisher(b -> b);
        AtomicBoolean crash = new AtomicBoolean(true);
        OutboxPublisher crashingAfterPublish = entries -> {
            webhook.publish(entries);
            if (crash.getAndSet(false)) {
                throw new IllegalStateException("the relay's transaction fails after publish");
            }
        };
        OutboxRelay relay = relay(crashingAfterPublish);

        assertThat(relay.deliverPending()).isZero();
        assertThat(relay.backlog().depth()).as("the outbox kept the batch").isEqualTo(3);
        assertThat(endpoint.requests()).hasSize(3);
        drain(relay);

        assertThat(TestEndpoint.ids(endpoint.requests())).containsExactlyElementsOf(ids(alice));
        alice.forEach(e -> assertDeliveredOnce(deliveries().attempts(e.id()), "crm"));
    }

    @Test
    void aBatchOfferedAgainAfterALaterEntryFailedResendsOnlyThatEntryWithTheSameWebhookId() {
        List<AuditEntry> alice = threeEntries("alice");
        String third = alice.get(2).id().toString();
        AtomicInteger refusals = new AtomicInteger(1);
        endpoint.respond(r -> r.id().equals(third) && refusals.getAndDecrement() > 0 ? 500 : 200);
        OutboxRelay relay = relay(publisher(b -> b));

        drain(relay);

        List<TestEndpoint.Request> requests = endpoint.requests();
        assertThat(TestEndpoint.ids(requests))
                .containsExactly(alice.get(0).id().toString(), alice.get(1).id().toString(), third, third);
        assertThat(requests.get(3).body()).isEqualTo(requests.get(2).body());
        assertThat(StandardWebhooks.verifies(SECRET, requests.get(3))).isTrue();
    }

    @Test
    void anEndpointThatIsDownThenUpLosesNothing() throws Exception {
        Map<String, List<AuditEntry>> written = sixEntries();
        endpoint.stop();
        OutboxRelay relay = relay(publisher(b -> b));
        Set<Integer> passes = ConcurrentHashMap.newKeySet();
        for (int pass = 0; pass < 3; pass++) {
            passes.add(relay.deliverPending());
            clock.advance(MAX_BACKOFF);
        }
        assertThat(passes).containsOnly(0);
        assertThat(endpoint.requests())
                .as("nothing reached the stopped endpoint")
                .isEmpty();

        endpoint.restart();
        drain(relay);

        List<AuditEntry> all = new ArrayList<>(written.get("alice"));
        all.addAll(written.get("bob"));
        assertThat(endpoint.acceptedIds()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids(all));
        List<WebhookDelivery> failed = new ArrayList<>();
        all.forEach(e -> deliveries().attempts(e.id()).stream()
                .filter(d -> d.outcome() == DeliveryOutcome.FAILED)
                .forEach(failed::add));
        assertThat(failed).hasSize(3).allSatisfy(d -> {
            assertThat(d.httpStatus()).isEmpty();
            assertThat(d.detail()).contains("java.net.ConnectException");
        });
        all.forEach(e -> assertDeliveredOnce(deliveries().attempts(e.id()), "crm"));
    }

    @Test
    void anEndpointThatDoesNotAnswerTimesOutAndTheRetryCarriesTheSameWebhookId() {
        List<AuditEntry> alice = threeEntries("alice");
        AtomicInteger hangs = new AtomicInteger(1);
        endpoint.respond(r -> hangs.getAndDecrement() > 0 ? TestEndpoint.HANG : 200);
        OutboxRelay relay = relay(publisher(b -> b.requestTimeout(Duration.ofMillis(300))));

        drain(relay);

        List<TestEndpoint.Request> requests = endpoint.requests();
        assertThat(TestEndpoint.ids(requests))
                .containsExactly(
                        alice.get(0).id().toString(),
                        alice.get(0).id().toString(),
                        alice.get(1).id().toString(),
                        alice.get(2).id().toString());
        List<WebhookDelivery> first = deliveries().attempts(alice.get(0).id());
        assertThat(first)
                .extracting(WebhookDelivery::outcome)
                .containsExactly(DeliveryOutcome.FAILED, DeliveryOutcome.DELIVERED);
        assertThat(first.get(0).detail()).contains("java.net.http.HttpTimeoutException");
    }

    @Test
    void aFanOutDeliversToEveryEndpointAndAnEndpointThatTookABatchIsNotAskedAgain() throws Exception {
        List<AuditEntry> alice = threeEntries("alice");
        try (TestEndpoint ads = TestEndpoint.start()) {
            AtomicInteger refusals = new AtomicInteger(2);
            ads.respond(r -> refusals.getAndDecrement() > 0 ? 502 : 200);
            WebhookPublisher crm = publisher(b -> b);
            WebhookPublisher adPlatform =
                    publisherBuilder("ad-platform").url(ads.url()).build();
            OutboxRelay relay = relay(WebhookPublisher.fanOut(List.of(adPlatform, crm)));

            drain(relay);

            assertThat(TestEndpoint.ids(endpoint.requests())).containsExactlyElementsOf(ids(alice));
            assertThat(ads.acceptedIds()).containsExactlyElementsOf(ids(alice));
            List<WebhookDelivery> rows = deliveries().attempts(alice.get(0).id());
            assertThat(rows)
                    .extracting(WebhookDelivery::endpoint, WebhookDelivery::attempt, WebhookDelivery::outcome)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("ad-platform", 1, DeliveryOutcome.FAILED),
                            org.assertj.core.groups.Tuple.tuple("ad-platform", 2, DeliveryOutcome.FAILED),
                            org.assertj.core.groups.Tuple.tuple("ad-platform", 3, DeliveryOutcome.DELIVERED),
                            org.assertj.core.groups.Tuple.tuple("crm", 1, DeliveryOutcome.DELIVERED));
            assertThat(deliveries().attempts("crm", alice.get(0).id())).hasSize(1);
            assertThat(deliveries().deliveredAt("ad-platform", alice.get(0).id()))
                    .contains(rows.get(2).attemptedAt());
            assertThat(crm.deliveries().deliveredAt("crm", alice.get(0).id())).contains(T0);
        }
    }

    @Test
    void theDeliveryLogKnowsNothingOfEntriesNeverSent() {
        java.util.UUID unknown = java.util.UUID.randomUUID();
        assertThat(deliveries().attempts(unknown)).isEmpty();
        assertThat(deliveries().deliveredAt("crm", unknown)).isEmpty();
    }
}
