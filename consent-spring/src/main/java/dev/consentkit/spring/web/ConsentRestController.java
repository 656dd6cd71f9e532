package dev.consentkit.spring.web;

import dev.consentkit.core.Actor;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.InvalidConsentRequestException.Violation;
import dev.consentkit.core.Source;
import dev.consentkit.core.UnknownPurposeException;
import dev.consentkit.export.AuditExporter;
import dev.consentkit.export.SubjectAccessExport;
import dev.consentkit.spring.web.ConsentAccessPolicy.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

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
 * <p>Unauthenticated callers get 401, others without the right 403, bad input 400 naming every rejected field;
 * {@link ConsentProblemHandler} answers every error as {@code application/problem+json} and none writes anything.
 * Who may do what is the {@link ConsentAccessPolicy}'s call. The actor of a recorded choice is the subject itself
 * when the caller is the subject, otherwise an agent named after the caller. Bodies are the records
 * {@link PurposeResponse}, {@link DecisionsResponse} and {@link ConsentRecordResponse}.
 */
@RestController
@RequestMapping("${consentkit.web.base-path:/consentkit}")
public class ConsentRestController {

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
    public List<PurposeResponse> purposes(HttpServletRequest request) {
        requireKnown(request);
        Locale locale = request.getLocale();
        return consents.purposes().currentPurposes().stream()
                .map(p -> PurposeResponse.of(p, locale))
                .toList();
    }

    /** A decision for every purpose, and the subject's preferences. */
    @GetMapping("/subjects/{subject}/decisions")
    public DecisionsResponse decisions(@PathVariable String subject, HttpServletRequest request) {
        requireRead(request, subject);
        return DecisionsResponse.of(consents.stateOf(subject), consents.preferences(subject));
    }

    /**
     * Records a choice. Body: {@code purpose} and {@code status} ({@code GRANTED}, {@code DENIED},
     * {@code WITHDRAWN}, {@code OPTED_OUT}) are required; optional {@code pendingConfirmation},
     * {@code purposeVersion}, {@code source} (default {@code WEB}), {@code collectionPoint} (default
     * {@code consentkit-api}), {@code noticeVersion}, {@code noticeTextSha256}, {@code locale}, {@code comment},
     * {@code idempotencyKey}, {@code effectiveAt} (admins only: it backdates the choice). The IP address and user
     * agent come from the request.
     */
    @PostMapping(
            path = "/subjects/{subject}/choices",
            consumes = {MediaType.APPLICATION_JSON_VALUE, "application/*+json"})
    public ResponseEntity<ConsentRecordResponse> record(
            @PathVariable String subject,
            @RequestBody(required = false) byte @Nullable [] body,
            HttpServletRequest request) {
        Caller caller = requireWrite(request, subject);
        ConsentCommand command = command(subject, ChoiceRequest.read(body), caller, request);
        ConsentRecord record;
        try {
            record = consents.record(command);
        } catch (UnknownPurposeException e) {
            throw InvalidConsentRequestException.of("purpose", "must be a declared purpose");
        }
        return ResponseEntity.status(HttpStatus.CREATED).body(ConsentRecordResponse.of(record));
    }

    /** The subject's consent records in chain order; {@code purpose}, {@code from}, {@code to} narrow it. */
    @GetMapping("/subjects/{subject}/history")
    public List<ConsentRecordResponse> history(
            @PathVariable String subject,
            @RequestParam(required = false) @Nullable String purpose,
            @RequestParam(required = false) @Nullable String from,
            @RequestParam(required = false) @Nullable String to,
            HttpServletRequest request) {
        requireRead(request, subject);
        HistoryQuery query = query(subject, purpose, from, to);
        try (Stream<ConsentRecord> records = consents.history(query)) {
            return records.map(ConsentRecordResponse::of).toList();
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
    public void audit(
            @RequestParam(defaultValue = "csv") String format,
            @RequestParam(required = false) @Nullable String subject,
            @RequestParam(required = false) @Nullable String purpose,
            @RequestParam(required = false) @Nullable String from,
            @RequestParam(required = false) @Nullable String to,
            HttpServletRequest request,
            HttpServletResponse response)
            throws IOException {
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
        response.setHeader(
                HttpHeaders.CONTENT_DISPOSITION,
                "attachment; filename=\"consent-audit." + (csv ? "csv" : "jsonl") + "\"");
        try (OutputStream out = response.getOutputStream()) {
            if (csv) {
                auditExporter.writeCsv(query, out);
            } else {
                auditExporter.writeJsonLines(query, out);
            }
        }
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
            throw new AccessDenied(
                    HttpStatus.FORBIDDEN,
                    "Only the subject itself, an auditor or an admin may read " + "these choices");
        }
        return caller;
    }

    private Caller requireWrite(HttpServletRequest request, String subject) {
        Caller caller = requireKnown(request);
        if (!caller.mayWrite(subject)) {
            throw new AccessDenied(
                    HttpStatus.FORBIDDEN, "Only the subject itself or an admin may change these " + "choices");
        }
        return caller;
    }

    private static HistoryQuery query(
            @Nullable String subject, @Nullable String purpose, @Nullable String from, @Nullable String to) {
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

    private static ConsentCommand command(
            String subject, ChoiceRequest choice, Caller caller, HttpServletRequest request) {
        Instant effectiveAt = choice.effectiveInstant();
        if (effectiveAt != null && !caller.mayBackdate()) {
            // a backdated choice changes what checkAt answers about the past: imports are an admin's job
            throw InvalidConsentRequestException.of("effectiveAt", "may be set by an admin only");
        }
        String userAgent = request.getHeader(HttpHeaders.USER_AGENT);
        String callerName = caller.name();
        Source source = choice.source();
        String collectionPoint = choice.collectionPoint();
        String locale = choice.locale();
        Evidence evidence = Evidence.builder()
                .source(source == null ? Source.WEB : source)
                .collectionPoint(collectionPoint == null ? "consentkit-api" : collectionPoint)
                .noticeVersion(choice.noticeVersion())
                .noticeTextSha256(choice.noticeTextSha256())
                .locale(locale == null ? null : Locale.forLanguageTag(locale))
                .actor(
                        subject.equals(callerName)
                                ? Actor.subject()
                                : callerName != null ? Actor.agent(callerName) : Actor.system("unauthenticated-api"))
                .ipAddress(request.getRemoteAddr())
                .userAgent(userAgent == null || userAgent.length() > MAX_USER_AGENT ? null : userAgent)
                .comment(choice.comment())
                .build();
        // ChoiceRequest.read rejected a body without them
        String purpose = Objects.requireNonNull(choice.purpose(), "purpose");
        ConsentCommand.Builder b = switch (Objects.requireNonNull(choice.status(), "status")) {
            case GRANTED -> ConsentCommand.grant(subject, purpose);
            case DENIED -> ConsentCommand.deny(subject, purpose);
            case WITHDRAWN -> ConsentCommand.withdraw(subject, purpose);
            case OPTED_OUT -> ConsentCommand.optOut(subject, purpose);
        };
        b.evidence(evidence)
                .effectiveAt(effectiveAt)
                .idempotencyKey(choice.idempotencyKey())
                .pendingConfirmation(Boolean.TRUE.equals(choice.pendingConfirmation()));
        Integer purposeVersion = choice.purposeVersion();
        if (purposeVersion != null) {
            b.purposeVersion(purposeVersion);
        }
        return b.build();
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

    /** 401 or 403 from the access rules; {@link ConsentProblemHandler} answers it. */
    static final class AccessDenied extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final HttpStatus status;

        AccessDenied(HttpStatus status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        HttpStatus status() {
            return status;
        }
    }
}
