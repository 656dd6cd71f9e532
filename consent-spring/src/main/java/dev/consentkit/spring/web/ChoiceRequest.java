package dev.consentkit.spring.web;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.InvalidConsentRequestException.Violation;
import dev.consentkit.core.Source;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.deser.DeserializationProblemHandler;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * The body of {@code POST /subjects/{subject}/choices}, bound by Jackson. Binding goes on past a bad value so that
 * one 400 names every rejected field: a value of the wrong shape becomes null and a violation, an unknown field a
 * violation; a scalar of the wrong JSON type (a number for a string, for example) stops at that field.
 *
 * @param effectiveAt an ISO-8601 instant (text, as Jackson would also read a number as epoch seconds)
 * @param unknown     fields the body has but this record does not
 */
record ChoiceRequest(
        @Nullable String purpose,
        @Nullable Status status,
        @Nullable Boolean pendingConfirmation,
        @Nullable Integer purposeVersion,
        @Nullable Source source,
        @Nullable String collectionPoint,
        @Nullable String noticeVersion,
        @Nullable String noticeTextSha256,
        @Nullable String locale,
        @Nullable String comment,
        @Nullable String idempotencyKey,
        @Nullable String effectiveAt,
        @JsonAnySetter @Nullable Map<String, Object> unknown) {

    /** The statuses a caller may record (not {@code PENDING}, which the manager derives). */
    enum Status {
        GRANTED,
        DENIED,
        WITHDRAWN,
        OPTED_OUT
    }

    private static final Map<String, String> EXPECTED = Map.ofEntries(
            Map.entry("status", "must be GRANTED, DENIED, WITHDRAWN or OPTED_OUT"),
            Map.entry("pendingConfirmation", "must be true or false"),
            Map.entry("purposeVersion", "must be a whole number"),
            Map.entry("source", "must be a source other than GPC_SIGNAL"),
            Map.entry("effectiveAt", "must be an ISO-8601 instant such as 2026-01-31T12:00:00Z"));

    private static final String VIOLATIONS = ChoiceRequest.class.getName() + ".violations";

    /** Strict where Jackson is lenient by default: no number or boolean read as text, no truncated numbers. */
    private static final ObjectReader READER = JsonMapper.builder()
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .withCoercionConfig(
                    LogicalType.Textual,
                    c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                            .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                            .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(
                    LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
            .addHandler(new Collecting())
            .build()
            .readerFor(ChoiceRequest.class);

    /**
     * Binds {@code body}, then adds the rules Jackson cannot express: purpose and status are required, a GPC
     * opt-out comes only from the filter.
     *
     * @throws InvalidConsentRequestException naming every rejected field, in field order
     */
    static ChoiceRequest read(byte @Nullable [] body) {
        if (body == null || body.length == 0) {
            throw InvalidConsentRequestException.of("body", "must be a JSON object");
        }
        List<Violation> violations = new ArrayList<>();
        ChoiceRequest request;
        try {
            request = READER.withAttribute(VIOLATIONS, violations).readValue(body);
        } catch (DatabindException e) {
            String field = e.getPath().isEmpty() ? null : e.getPath().get(0).getPropertyName();
            throw field == null
                    ? InvalidConsentRequestException.of("body", "must be a JSON object")
                    : InvalidConsentRequestException.of(field, EXPECTED.getOrDefault(field, "must be a string"));
        } catch (JacksonException e) {
            throw InvalidConsentRequestException.of("body", "must be a JSON object");
        }
        if (request == null) {
            throw InvalidConsentRequestException.of("body", "must be a JSON object");
        }
        if (request.purpose == null
                && violations.stream().noneMatch(v -> v.field().equals("purpose"))) {
            violations.add(new Violation("purpose", "must not be null"));
        }
        if (request.status == null
                && violations.stream().noneMatch(v -> v.field().equals("status"))) {
            violations.add(new Violation("status", "must not be null"));
        }
        if (request.effectiveAt != null) {
            try {
                Instant.parse(request.effectiveAt);
            } catch (DateTimeParseException e) {
                violations.add(new Violation("effectiveAt", expected("effectiveAt")));
            }
        }
        if (request.source == Source.GPC_SIGNAL) {
            violations.add(new Violation("source", expected("source")));
        }
        if (request.unknown != null) {
            request.unknown.keySet().forEach(field -> violations.add(new Violation(field, "is not a known field")));
        }
        if (!violations.isEmpty()) {
            violations.sort(Comparator.comparing(Violation::field));
            throw new InvalidConsentRequestException(violations);
        }
        return request;
    }

    private static String expected(String field) {
        return java.util.Objects.requireNonNull(EXPECTED.get(field), field);
    }

    /** When the choice took effect, if the caller said. */
    @Nullable
    Instant effectiveInstant() {
        return effectiveAt == null ? null : Instant.parse(effectiveAt);
    }

    /** Turns a value Jackson cannot convert into a violation for its field and a null value. */
    private static final class Collecting extends DeserializationProblemHandler {

        @Override
        public @Nullable Object handleWeirdStringValue(
                DeserializationContext ctxt, Class<?> targetType, String value, String failureMsg) {
            return collect(ctxt, ctxt.getParser());
        }

        @Override
        public @Nullable Object handleWeirdNumberValue(
                DeserializationContext ctxt, Class<?> targetType, Number value, String failureMsg) {
            return collect(ctxt, ctxt.getParser());
        }

        @Override
        public @Nullable Object handleUnexpectedToken(
                DeserializationContext ctxt, JavaType targetType, JsonToken t, JsonParser p, String failureMsg) {
            Object result = collect(ctxt, p);
            if (result != NOT_HANDLED) {
                p.skipChildren();
            }
            return result;
        }

        @SuppressWarnings("unchecked")
        private static @Nullable Object collect(DeserializationContext ctxt, JsonParser p) {
            String field = p.streamReadContext().pathAsPointer().getMatchingProperty();
            if (field == null || field.isEmpty() || !EXPECTED.containsKey(field) && !isText(field)) {
                return NOT_HANDLED; // the body itself is of the wrong shape
            }
            ((List<Violation>) ctxt.getAttribute(VIOLATIONS))
                    .add(new Violation(field, EXPECTED.getOrDefault(field, "must be a string")));
            return null;
        }

        private static boolean isText(String field) {
            return switch (field) {
                case "purpose",
                        "collectionPoint",
                        "noticeVersion",
                        "noticeTextSha256",
                        "locale",
                        "comment",
                        "idempotencyKey" -> true;
                default -> false;
            };
        }
    }
}
