package dev.consentkit.spring.web;

import dev.consentkit.core.ConsentDeniedException;
import dev.consentkit.core.IdempotencyConflictException;
import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.ObjectionInForceException;
import dev.consentkit.core.SubjectErasedException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Answers every ConsentKit problem, from {@link ConsentRestController} and from the application's own controllers
 * (for example a {@code @RequiresConsent} service one of them called), with an RFC 9457 problem document
 * ({@code application/problem+json}) whose type is under {@link #TYPE_BASE}:
 *
 * <table>
 * <caption>Problems</caption>
 * <tr><th>exception</th><th>status</th><th>type</th></tr>
 * <tr><td>{@link ConsentDeniedException}</td><td>403</td><td>{@code consent-denied}, with {@code purpose} and
 *     {@code reason}</td></tr>
 * <tr><td>{@link InvalidConsentRequestException}</td><td>400</td><td>{@code invalid-request}, with
 *     {@code violations} ({@code field}, {@code message})</td></tr>
 * <tr><td>{@link ObjectionInForceException}</td><td>409</td><td>{@code objection-in-force}</td></tr>
 * <tr><td>{@link IdempotencyConflictException}</td><td>409</td><td>{@code idempotency-conflict}</td></tr>
 * <tr><td>{@link SubjectErasedException}</td><td>410</td><td>{@code subject-erased}</td></tr>
 * <tr><td>the endpoints' access rules</td><td>401, 403</td><td>{@code unauthenticated}, {@code access-denied}</td></tr>
 * </table>
 *
 * <p>None of them contains a subject id or evidence. Replace it by declaring a bean of this type, or handle an
 * exception in an advice of your own with a higher precedence.
 */
@RestControllerAdvice
public class ConsentProblemHandler {

    /** Base of the problem type URIs. */
    public static final String TYPE_BASE = "https://consentkit.dev/problems/";

    /** 403: processing is not allowed; names the purpose and the reason. */
    @ExceptionHandler(ConsentDeniedException.class)
    public ResponseEntity<ProblemDetail> denied(ConsentDeniedException e) {
        ProblemDetail problem = problem(
                HttpStatus.FORBIDDEN,
                "consent-denied",
                "Consent required",
                "Processing for purpose '" + e.decision().purpose() + "' is not allowed: "
                        + e.decision().reason());
        problem.setProperty("purpose", e.decision().purpose().value());
        problem.setProperty("reason", e.decision().reason().name());
        return respond(problem);
    }

    /** 400: the request was invalid; lists every rejected field. */
    @ExceptionHandler(InvalidConsentRequestException.class)
    public ResponseEntity<ProblemDetail> invalid(InvalidConsentRequestException e) {
        List<Map<String, String>> violations = e.violations().stream()
                .map(v -> Map.of("field", v.field(), "message", v.message()))
                .toList();
        ProblemDetail problem = problem(
                HttpStatus.BAD_REQUEST,
                "invalid-request",
                "Invalid request",
                "Rejected: "
                        + String.join(
                                ", ",
                                violations.stream().map(v -> v.get("field")).toList()));
        problem.setProperty("violations", violations);
        return respond(problem);
    }

    /** 409: only the subject itself can lift a direct-marketing objection. */
    @ExceptionHandler(ObjectionInForceException.class)
    public ResponseEntity<ProblemDetail> objection(ObjectionInForceException e) {
        return respond(problem(HttpStatus.CONFLICT, "objection-in-force", "Objection in force", e.getMessage()));
    }

    /** 409: the idempotency key was already used for a different command; nothing was written. */
    @ExceptionHandler(IdempotencyConflictException.class)
    public ResponseEntity<ProblemDetail> idempotencyConflict(IdempotencyConflictException e) {
        return respond(
                problem(HttpStatus.CONFLICT, "idempotency-conflict", "Idempotency key conflict", e.getMessage()));
    }

    /** 410: the subject was erased. */
    @ExceptionHandler(SubjectErasedException.class)
    public ResponseEntity<ProblemDetail> erased(SubjectErasedException e) {
        return respond(problem(
                HttpStatus.GONE,
                "subject-erased",
                "Subject erased",
                "The subject was erased; nothing is recorded for it"));
    }

    /** 401 or 403 from the endpoints' access rules. */
    @ExceptionHandler(ConsentRestController.AccessDenied.class)
    ResponseEntity<ProblemDetail> accessDenied(ConsentRestController.AccessDenied e) {
        boolean unauthenticated = e.status() == HttpStatus.UNAUTHORIZED;
        return respond(problem(
                e.status(),
                unauthenticated ? "unauthenticated" : "access-denied",
                unauthenticated ? "Authentication required" : "Access denied",
                e.getMessage()));
    }

    private static ProblemDetail problem(HttpStatus status, String type, String title, @Nullable String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPE_BASE + type));
        problem.setTitle(title);
        return problem;
    }

    private static ResponseEntity<ProblemDetail> respond(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
