package dev.consentkit.spring.web;

import dev.consentkit.core.Actor;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentDecision;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.InvalidConsentRequestException.Violation;
import dev.consentkit.core.ObjectionInForceException;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import dev.consentkit.core.SubjectConsents;
import dev.consentkit.core.SubjectErasedException;
import dev.consentkit.core.UnknownPurposeException;
import dev.consentkit.export.AuditExporter;
import dev.consentkit.export.SubjectAccessExport;
import dev.consentkit.spring.internal.ConsentAccessPolicy;
import dev.consentkit.spring.internal.ConsentAccessPolicy.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * ConsentKit's REST endpoints under {@code consentkit.web.base-path} (default {@code /consentkit}), on with
 * {@code consentkit.web.enabled=true}:
 *
 * <table>
 * <caption>Endpoints and who may call them</caption>
 * <tr><th>request</th><th>what</th><th>who</th></tr>
 * <tr><td>{@code GET /purposes}</td><td>the declared purposes (texts in the request's locale)</td>
 *     <td>any authenticated caller</td></tr>
 * <tr><td>{@code GET /subjects/{subject}/decisions}</td><td>a decision per purpose, and the preferences</td>
 *     <td>the subject itself, auditor, admin</td></tr>
 * <tr><td>{@code POST /subjects/{subject}/choices}</td><td>records a choice (201 with the record)</td>
 *     <td>the subject itself, admin</td></tr>
 * <tr><td>{@code GET /subjects/{subject}/history}</td><td>the subject's consent records</td>
 *     <td>the subject itself, auditor, admin</td></tr>
 * <tr><td>{@code GET /subjects/{subject}/export}</td><td>the subject access export (GDPR Art. 15/20)</td>
 *     <td>the subject itself, auditor, admin</td></tr>
 * <tr><td>{@code GET /audit?format=csv|jsonl}</td><td>the streamed auditor export</td><td>auditor, admin</td></tr>
 * </table>
 *
 * <p>Unauthenticated callers get 401, others without the right 403, bad input 400 naming the field; every error
 * is {@code application/problem+json} and none writes anything. The actor of a recorded choice is the subject
 * itself when the caller is the subject, otherwise an agent named after the caller.
 */
@RestController
@RequestMapping("${consentkit.web.base-path:/consentkit}")
public class ConsentRestController {

    private static final Set<String> CHOICE_FIELDS = Set.of("purpose", "status", "pendingConfirmation",
            "purposeVersion", "source", "collectionPoint", "noticeVersion", "noticeTextSha256", "locale", "comment",
            "idempotencyKey", "effectiveAt");
    private static final int MAX_USER_AGENT = 1024;

    private final ConsentManager consents;
    private final ConsentAccessPolicy access;
    private final AuditExporter auditExporter;
    private final SubjectAccessExport subjectExport;

    /** Endpoints for {@code consents}, guarded by {@code access}. */
    public ConsentRestController(ConsentManager consents, ConsentAccessPolicy access) {
        this.consents = consents;
        this.access = access;
        this.auditExporter = AuditExporter.of(consents);
        this.subjectExport = SubjectAccessExport.of(consents);
    }

    /** The declared purposes, current versions, with title and description in the request's locale. */
    @GetMapping("/purposes")
    public List<Map<String, Object>> purposes(HttpServletRequest request) {
        requireKnown(request);
        Locale locale = request.getLocale();
        List<Map<String, Object>> result = new ArrayList<>();
        for (Purpose p : consents.purposes().currentPurposes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", p.id().value());
            m.put("version", p.version());
            m.put("title", p.title(locale));
            m.put("description", p.description(locale));
            m.put("basis", p.basis().name());
            m.put("dataCategories", p.dataCategories());
            p.validity().ifPresent(v -> m.put("validity", v.toString()));
            m.put("reconsentFromVersion", p.reconsentFromVersion());
            m.put("saleOrShare", p.saleOrShare());
            m.put("directMarketing", p.directMarketing());
            result.add(m);
        }
        return result;
    }

    /** A decision for every purpose, and the subject's preferences. */
    @GetMapping("/subjects/{subject}/decisions")
    public Map<String, Object> decisions(@PathVariable String subject, HttpServletRequest request) {
        requireRead(request, subject);
        SubjectConsents state = consents.stateOf(subject);
        List<Map<String, Object>> decisions = new ArrayList<>();
        for (ConsentDecision d : state.decisions().values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("purpose", d.purpose().value());
            m.put("allowed", d.allowed());
            m.put("reason", d.reason().name());
            m.put("purposeVersion", d.purposeVersion());
            m.put("basis", d.basis().name());
            d.record().ifPresent(r -> {
                m.put("status", r.status().name());
                m.put("decidingRecord", r.id().toString());
                m.put("effectiveAt", r.effectiveAt().toString());
                r.expiresAt().ifPresent(e -> m.put("expiresAt", e.toString()));
            });
            decisions.add(m);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("subject", state.subject().value());
        result.put("at", state.at().toString());
        result.put("decisions", decisions);
        result.put("preferences", consents.preferences(subject));
        return result;
    }

    /**
     * Records a choice. Body: {@code purpose} and {@code status} ({@code GRANTED}, {@code DENIED},
     * {@code WITHDRAWN}, {@code OPTED_OUT}) are required; optional {@code pendingConfirmation},
     * {@code purposeVersion}, {@code source} (default {@code WEB}), {@code collectionPoint} (default
     * {@code consentkit-api}), {@code noticeVersion}, {@code noticeTextSha256}, {@code locale}, {@code comment},
     * {@code idempotencyKey}, {@code effectiveAt} (admins only: it backdates the choice). The IP address and user
     * agent come from the request.
     */
    @PostMapping("/subjects/{subject}/choices")
    public ResponseEntity<Map<String, Object>> record(@PathVariable String subject,
                                                      @RequestBody Map<String, Object> body,
                                                      HttpServletRequest request) {
        Caller caller = requireWrite(request, subject);
        ConsentCommand command = command(subject, body, caller, request);
        ConsentRecord record = consents.record(command);
        return ResponseEntity.status(HttpStatus.CREATED).body(json(record));
    }

    /** The subject's consent records in chain order; {@code purpose}, {@code from}, {@code to} narrow it. */
    @GetMapping("/subjects/{subject}/history")
    public List<Map<String, Object>> history(@PathVariable String subject,
                                             @RequestParam(required = false) @Nullable String purpose,
                                             @RequestParam(required = false) @Nullable String from,
                                             @RequestParam(required = false) @Nullable String to,
                                             HttpServletRequest request) {
        requireRead(request, subject);
        HistoryQuery query = query(subject, purpose, from, to);
        try (Stream<ConsentRecord> records = consents.history(query)) {
            return records.map(ConsentRestController::json).toList();
        }
    }

    /** The subject access export document (JSON), as an attachment. */
    @GetMapping("/subjects/{subject}/export")
    public void export(@PathVariable String subject, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        requireRead(request, subject);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"subject-access-export.json\"");
        try (OutputStream out = response.getOutputStream()) {
            subjectExport.write(subject, out);
        }
    }

    /**
     * The auditor export, streamed: {@code format=csv} (default) or {@code jsonl}; {@code subject},
     * {@code purpose}, {@code from}, {@code to} narrow it.
     */
    @GetMapping("/audit")
    public void audit(@RequestParam(defaultValue = "csv") String format,
                      @RequestParam(required = false) @Nullable String subject,
                      @RequestParam(required = false) @Nullable String purpose,
                      @RequestParam(required = false) @Nullable String from,
                      @RequestParam(required = false) @Nullable String to,
                      HttpServletRequest request, HttpServletResponse response) throws IOException {
        Caller caller = requireKnown(request);
        if (!caller.mayAudit()) {
            throw new AccessDenied(HttpStatus.FORBIDDEN, "The auditor export needs the auditor or admin authority");
        }
        boolean csv;
        if ("csv".equals(format)) {
            csv = true;
        } else if ("jsonl".equals(format)) {
            csv = false;
        } else {
            throw InvalidConsentRequestException.of("format", "must be csv or jsonl");
        }
        HistoryQuery query = query(subject, purpose, from, to);
        response.setContentType(csv ? "text/csv" : "application/jsonl");
        response.setCharacterEncoding("UTF-8");
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION,
                "attachment; filename=\"consent-audit." + (csv ? "csv" : "jsonl") + "\"");
        try (OutputStream out = response.getOutputStream()) {
            if (csv) {
                auditExporter.writeCsv(query, out);
            } else {
                auditExporter.writeJsonLines(query, out);
            }
        }
    }

    // ------------------------------------------------------------------ errors

    @ExceptionHandler(InvalidConsentRequestException.class)
    ResponseEntity<ProblemDetail> invalid(InvalidConsentRequestException e) {
        return ConsentProblems.invalid(e);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e) {
        return ConsentProblems.invalid(List.of(Map.of("field", "body", "message", "must be a JSON object")));
    }

    @ExceptionHandler(UnknownPurposeException.class)
    ResponseEntity<ProblemDetail> unknownPurpose(UnknownPurposeException e) {
        return ConsentProblems.invalid(List.of(Map.of("field", "purpose", "message", "must be a declared purpose")));
    }

    @ExceptionHandler(ObjectionInForceException.class)
    ResponseEntity<ProblemDetail> objection(ObjectionInForceException e) {
        return ConsentProblems.respond(ConsentProblems.problem(HttpStatus.CONFLICT, "objection-in-force",
                "Objection in force", e.getMessage()));
    }

    @ExceptionHandler(SubjectErasedException.class)
    ResponseEntity<ProblemDetail> erased(SubjectErasedException e) {
        return ConsentProblems.respond(ConsentProblems.problem(HttpStatus.GONE, "subject-erased", "Subject erased",
                "The subject was erased; nothing is recorded for it"));
    }

    @ExceptionHandler(AccessDenied.class)
    ResponseEntity<ProblemDetail> accessDenied(AccessDenied e) {
        boolean unauthenticated = e.status == HttpStatus.UNAUTHORIZED;
        return ConsentProblems.respond(ConsentProblems.problem(e.status,
                unauthenticated ? "unauthenticated" : "access-denied",
                unauthenticated ? "Authentication required" : "Access denied", e.getMessage()));
    }

    // ------------------------------------------------------------------ internals

    private Caller requireKnown(HttpServletRequest request) {
        Caller caller = access.caller(request);
        if (!caller.known()) {
            throw new AccessDenied(HttpStatus.UNAUTHORIZED, "Authenticate to use the consent endpoints");
        }
        return caller;
    }

    private Caller requireRead(HttpServletRequest request, String subject) {
        Caller caller = requireKnown(request);
        if (!caller.mayRead(subject)) {
            throw new AccessDenied(HttpStatus.FORBIDDEN, "Only the subject itself, an auditor or an admin may read "
                    + "these choices");
        }
        return caller;
    }

    private Caller requireWrite(HttpServletRequest request, String subject) {
        Caller caller = requireKnown(request);
        if (!caller.mayWrite(subject)) {
            throw new AccessDenied(HttpStatus.FORBIDDEN, "Only the subject itself or an admin may change these "
                    + "choices");
        }
        return caller;
    }

    private static HistoryQuery query(@Nullable String subject, @Nullable String purpose, @Nullable String from,
                                      @Nullable String to) {
        List<Violation> violations = new ArrayList<>();
        HistoryQuery.Builder b = HistoryQuery.builder();
        try {
            if (subject != null) {
                b.subject(subject);
            }
        } catch (InvalidConsentRequestException e) {
            violations.addAll(e.violations());
        }
        try {
            if (purpose != null) {
                b.purpose(purpose);
            }
        } catch (InvalidConsentRequestException e) {
            violations.addAll(e.violations());
        }
        b.recordedFrom(instant("from", from, violations));
        b.recordedTo(instant("to", to, violations));
        if (!violations.isEmpty()) {
            throw new InvalidConsentRequestException(violations);
        }
        return b.build();
    }

    private ConsentCommand command(String subject, Map<String, Object> body, Caller caller,
                                   HttpServletRequest request) {
        List<Violation> violations = new ArrayList<>();
        for (String field : body.keySet()) {
            if (!CHOICE_FIELDS.contains(field)) {
                violations.add(new Violation(field, "is not a known field"));
            }
        }
        String purpose = text(body, "purpose", violations);
        String statusText = text(body, "status", violations);
        if (body.get("purpose") == null) {
            violations.add(new Violation("purpose", "must not be null"));
        }
        ConsentStatus status = null;
        if (body.get("status") == null) {
            violations.add(new Violation("status", "must not be null"));
        } else if (statusText != null) {
            status = switch (statusText.toUpperCase(Locale.ROOT)) {
                case "GRANTED" -> ConsentStatus.GRANTED;
                case "DENIED" -> ConsentStatus.DENIED;
                case "WITHDRAWN" -> ConsentStatus.WITHDRAWN;
                case "OPTED_OUT" -> ConsentStatus.OPTED_OUT;
                default -> null;
            };
            if (status == null) {
                violations.add(new Violation("status", "must be GRANTED, DENIED, WITHDRAWN or OPTED_OUT"));
            }
        }
        Boolean pending = flag(body, "pendingConfirmation", violations);
        Integer purposeVersion = number(body, "purposeVersion", violations);
        Source source = Source.WEB;
        String sourceText = text(body, "source", violations);
        if (sourceText != null) {
            try {
                source = Source.valueOf(sourceText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                source = null;
            }
            if (source == null || source == Source.GPC_SIGNAL) {
                violations.add(new Violation("source", "must be a source other than GPC_SIGNAL"));
            }
        }
        String collectionPoint = text(body, "collectionPoint", violations);
        String localeText = text(body, "locale", violations);
        Instant effectiveAt = instant("effectiveAt", text(body, "effectiveAt", violations), violations);
        if (effectiveAt != null && !caller.open() && !caller.admin()) {
            // a backdated choice changes what checkAt answers about the past: imports are an admin's job
            violations.add(new Violation("effectiveAt", "may be set by an admin only"));
        }
        String noticeVersion = text(body, "noticeVersion", violations);
        String noticeSha = text(body, "noticeTextSha256", violations);
        String comment = text(body, "comment", violations);
        String idempotencyKey = text(body, "idempotencyKey", violations);
        if (!violations.isEmpty()) {
            violations.sort(java.util.Comparator.comparing(Violation::field));
            throw new InvalidConsentRequestException(violations);
        }
        // set when no violation was found above
        Objects.requireNonNull(purpose);
        Objects.requireNonNull(status);
        Objects.requireNonNull(source);
        String userAgent = request.getHeader(HttpHeaders.USER_AGENT);
        Evidence evidence = Evidence.builder().source(source)
                .collectionPoint(collectionPoint == null ? "consentkit-api" : collectionPoint)
                .noticeVersion(noticeVersion).noticeTextSha256(noticeSha)
                .locale(localeText == null ? null : Locale.forLanguageTag(localeText))
                .actor(subject.equals(caller.name()) ? Actor.subject()
                        : caller.name() != null ? Actor.agent(caller.name()) : Actor.system("unauthenticated-api"))
                .ipAddress(request.getRemoteAddr())
                .userAgent(userAgent == null || userAgent.length() > MAX_USER_AGENT ? null : userAgent)
                .comment(comment).build();
        ConsentCommand.Builder b = switch (status) {
            case GRANTED -> ConsentCommand.grant(subject, purpose);
            case DENIED -> ConsentCommand.deny(subject, purpose);
            case WITHDRAWN -> ConsentCommand.withdraw(subject, purpose);
            default -> ConsentCommand.optOut(subject, purpose);
        };
        b.evidence(evidence).effectiveAt(effectiveAt).idempotencyKey(idempotencyKey)
                .pendingConfirmation(pending != null && pending);
        if (purposeVersion != null) {
            b.purposeVersion(purposeVersion);
        }
        return b.build();
    }

    private static @Nullable String text(Map<String, Object> body, String field, List<Violation> violations) {
        return value(body, field, String.class, "must be a string", violations);
    }

    private static @Nullable Boolean flag(Map<String, Object> body, String field, List<Violation> violations) {
        return value(body, field, Boolean.class, "must be true or false", violations);
    }

    private static @Nullable Integer number(Map<String, Object> body, String field, List<Violation> violations) {
        return value(body, field, Integer.class, "must be a whole number", violations);
    }

    /** The field's value if absent or of {@code type}; otherwise a violation saying {@code expected}. */
    private static <T> @Nullable T value(Map<String, Object> body, String field, Class<T> type, String expected,
                                         List<Violation> violations) {
        Object value = body.get(field);
        if (value == null || type.isInstance(value)) {
            return type.cast(value);
        }
        violations.add(new Violation(field, expected));
        return null;
    }

    private static @Nullable Instant instant(String field, @Nullable String value, List<Violation> violations) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            violations.add(new Violation(field, "must be an ISO-8601 instant such as 2026-01-31T12:00:00Z"));
            return null;
        }
    }

    static Map<String, Object> json(ConsentRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id().toString());
        m.put("subject", r.subject().value());
        m.put("purpose", r.purpose().value());
        m.put("purposeVersion", r.purposeVersion());
        m.put("status", r.status().name());
        m.put("recordedAt", r.recordedAt().toString());
        m.put("effectiveAt", r.effectiveAt().toString());
        r.expiresAt().ifPresent(e -> m.put("expiresAt", e.toString()));
        m.put("conflict", r.conflict());
        m.put("source", r.evidence().source().name());
        m.put("collectionPoint", r.evidence().collectionPoint());
        m.put("actor", r.evidence().actor().type().name());
        r.evidence().actor().id().ifPresent(id -> m.put("actorId", id));
        m.put("sequence", r.link().sequence());
        return m;
    }

    /** 401 or 403 from the access rules. */
    static final class AccessDenied extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final HttpStatus status;

        AccessDenied(HttpStatus status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }
}
