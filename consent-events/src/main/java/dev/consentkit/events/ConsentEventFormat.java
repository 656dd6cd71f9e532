package dev.consentkit.events;

import dev.consentkit.core.AuditEntry;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.PreferenceRecord;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.internal.KeyedHmac;
import dev.consentkit.jdbc.OutboxEventFormat;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes each committed audit entry as one CloudEvents 1.0 event in the structured JSON format: {@code id} is the
 * entry id (the key consumers de-duplicate by, stable across redeliveries), {@code source} the tenant,
 * {@code type} what happened ({@code dev.consentkit.consent.granted}, {@code …withdrawn}, {@code …opted-out},
 * {@code dev.consentkit.preference.set}, {@code dev.consentkit.subject.erased}; see {@link #type}),
 * {@code subject} the subject id or, with {@link Builder#subjectPseudonymKey}, its keyed pseudonym, {@code time}
 * when the system recorded it, and {@code data} the purpose, version, status, effective time, chain sequence and
 * hashes and the evidence without its personal fields (IP address, user agent, comment, idempotency key and the
 * acting agent's id are never in an event). The data follows {@value #SCHEMA_RESOURCE}, shipped in this jar.
 *
 * <p>Fields are always written in the same order, so an event is byte-stable for a given entry. The same format
 * serves the JDBC outbox's event columns ({@link dev.consentkit.jdbc.JdbcConsentStore.Builder#outboxEvents}, for
 * Debezium) and the Kafka, RabbitMQ and webhook relays.
 *
 * <p>Built with Jackson 3, the JSON library the rest of ConsentKit uses: the CloudEvents Java SDK's JSON format is
 * built on Jackson 2, and the envelope is seven fixed attributes.
 */
public final class ConsentEventFormat implements OutboxEventFormat {

    /** The class-path resource of the JSON Schema (draft 2020-12) that every event validates against. */
    public static final String SCHEMA_RESOURCE = "/dev/consentkit/events/consent-event-v1.schema.json";

    /** The {@code dataschema} attribute of every event. */
    public static final String DATA_SCHEMA = "https://consentkit.dev/schemas/consent-event-v1.schema.json";

    /** Every event type starts with this. */
    public static final String TYPE_PREFIX = "dev.consentkit.";

    private final JsonMapper json = JsonMapper.builder().build();
    private final @Nullable KeyedHmac pseudonyms;
    private final String aggregateType;

    private ConsentEventFormat(Builder b) {
        this.pseudonyms = b.pseudonymKey == null ? null : new KeyedHmac(b.pseudonymKey);
        this.aggregateType = b.aggregateType;
    }

    /** A format with raw subject ids and aggregate type {@code consentkit}. */
    public static ConsentEventFormat defaults() {
        return builder().build();
    }

    /** A builder for a format. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The CloudEvents {@code type} of an entry: {@code dev.consentkit.consent.} and the status in lower case with
     * hyphens ({@code granted}, {@code denied}, {@code withdrawn}, {@code opted-out}, {@code pending}),
     * {@code dev.consentkit.preference.set} or {@code dev.consentkit.subject.erased}.
     */
    public static String type(AuditEntry entry) {
        Checks.notNull(entry, "entry");
        if (entry instanceof ConsentRecord r) {
            return TYPE_PREFIX + "consent."
                    + r.status().name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
        return entry instanceof PreferenceRecord ? TYPE_PREFIX + "preference.set" : TYPE_PREFIX + "subject.erased";
    }

    /** The event's {@code subject}: the subject id, or its keyed pseudonym (64 hex digits) when a key is set. */
    public String subject(AuditEntry entry) {
        Checks.notNull(entry, "entry");
        return pseudonyms == null
                ? entry.subject().value()
                : pseudonyms.hex(entry.tenant(), entry.subject().value());
    }

    /** The event as one line of JSON (no line breaks). */
    public String toJson(AuditEntry entry) {
        return json.writeValueAsString(event(entry));
    }

    /** The event as a JSON tree, for callers that add extension attributes before writing it. */
    public ObjectNode event(AuditEntry entry) {
        Checks.notNull(entry, "entry");
        ObjectNode e = json.createObjectNode();
        e.put("specversion", "1.0");
        e.put("id", entry.id().toString());
        e.put("source", entry.tenant());
        e.put("type", type(entry));
        e.put("subject", subject(entry));
        e.put("time", entry.recordedAt().toString());
        e.put("datacontenttype", "application/json");
        e.put("dataschema", DATA_SCHEMA);
        ObjectNode data = e.putObject("data");
        if (entry instanceof ConsentRecord r) {
            data.put("kind", "consent");
            data.put("purpose", r.purpose().value());
            data.put("purposeVersion", r.purposeVersion());
            data.put("status", r.status().name());
            data.put("effectiveAt", r.effectiveAt().toString());
            putInstant(data, "expiresAt", r.expiresAt());
            data.put("conflict", r.conflict());
            chain(data, entry);
            evidence(data, r.evidence());
        } else if (entry instanceof PreferenceRecord p) {
            data.put("kind", "preference");
            data.put("key", p.key());
            data.put("value", p.value());
            chain(data, entry);
            evidence(data, p.evidence());
        } else {
            data.put("kind", "erasure");
            chain(data, entry);
        }
        return e;
    }

    private static void chain(ObjectNode data, AuditEntry entry) {
        ObjectNode chain = data.putObject("chain");
        chain.put("sequence", entry.link().sequence());
        chain.put("previousHash", entry.link().previousHash());
        chain.put("hash", entry.link().hash());
    }

    /** The evidence without the personal fields: source, collection point, notice, locale and the actor's kind. */
    private static void evidence(ObjectNode data, Evidence evidence) {
        ObjectNode ev = data.putObject("evidence");
        ev.put("source", evidence.source().name());
        ev.put("collectionPoint", evidence.collectionPoint());
        putString(ev, "noticeVersion", evidence.noticeVersion());
        putString(ev, "noticeTextSha256", evidence.noticeTextSha256());
        putString(ev, "locale", evidence.locale().map(Locale::toLanguageTag));
        ev.put("actor", evidence.actor().type().name());
    }

    private static void putString(ObjectNode node, String field, Optional<String> value) {
        if (value.isPresent()) {
            node.put(field, value.get());
        } else {
            node.putNull(field);
        }
    }

    private static void putInstant(ObjectNode node, String field, Optional<Instant> value) {
        putString(node, field, value.map(Instant::toString));
    }

    @Override
    public String eventType(AuditEntry entry) {
        return type(entry);
    }

    @Override
    public String aggregateType(AuditEntry entry) {
        return aggregateType;
    }

    @Override
    public String aggregateId(AuditEntry entry) {
        return subject(entry);
    }

    @Override
    public String payload(AuditEntry entry) {
        return toJson(entry);
    }

    /** Builds a {@link ConsentEventFormat}. */
    public static final class Builder {
        private byte @Nullable [] pseudonymKey;
        private String aggregateType = "consentkit";

        private Builder() {}

        /**
         * Writes the subject as its keyed pseudonym (HMAC-SHA256 over tenant and subject id, 64 hex digits)
         * instead of the raw id, for buses that must not carry identifiers; the key (16 bytes or more) stays with
         * the application, so consumers can group events per subject but not learn who it is.
         */
        public Builder subjectPseudonymKey(byte[] key) {
            Checks.notNull(key, "subjectPseudonymKey");
            Checks.check(key.length >= 16, "subjectPseudonymKey", "must be at least 16 bytes");
            this.pseudonymKey = key.clone();
            return this;
        }

        /**
         * The outbox row's {@code aggregate_type}, which Debezium's Outbox Event Router names the topic after
         * ({@code outbox.event.consentkit} by default); 1 to 64 letters, digits, dots, hyphens or underscores.
         */
        public Builder aggregateType(String aggregateType) {
            Checks.notNull(aggregateType, "aggregateType");
            Checks.check(
                    aggregateType.matches("[A-Za-z0-9._-]{1,64}"),
                    "aggregateType",
                    "must be 1 to 64 letters, digits, dots, hyphens or underscores");
            this.aggregateType = aggregateType;
            return this;
        }

        /** Builds the format; invalid values were refused by the setters with {@link InvalidConsentRequestException}. */
        public ConsentEventFormat build() {
            return new ConsentEventFormat(this);
        }
    }
}
