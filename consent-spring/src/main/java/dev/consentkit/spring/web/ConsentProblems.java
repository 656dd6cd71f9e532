package dev.consentkit.spring.web;

import dev.consentkit.core.ConsentDeniedException;
import dev.consentkit.core.InvalidConsentRequestException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * The RFC 9457 problem documents ({@code application/problem+json}) ConsentKit answers with. None of them
 * contains a subject id or evidence.
 */
public final class ConsentProblems {

    /** Base of the problem type URIs. */
    public static final String TYPE_BASE = "https://consentkit.dev/problems/";

    private ConsentProblems() {
    }

    /** 403: processing is not allowed; names the purpose and the reason. */
    public static ResponseEntity<ProblemDetail> denied(ConsentDeniedException e) {
        ProblemDetail problem = problem(HttpStatus.FORBIDDEN, "consent-denied", "Consent required",
                "Processing for purpose '" + e.decision().purpose() + "' is not allowed: " + e.decision().reason());
        problem.setProperty("purpose", e.decision().purpose().value());
        problem.setProperty("reason", e.decision().reason().name());
        return respond(problem);
    }

    /** 400: the request was invalid; lists every rejected field. */
    public static ResponseEntity<ProblemDetail> invalid(InvalidConsentRequestException e) {
        return invalid(e.violations().stream()
                .map(v -> Map.of("field", v.field(), "message", v.message())).toList());
    }

    /** 400 listing {@code violations} (each with {@code field} and {@code message}). */
    public static ResponseEntity<ProblemDetail> invalid(List<Map<String, String>> violations) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request",
                "Rejected: " + String.join(", ", violations.stream().map(v -> v.get("field")).toList()));
        problem.setProperty("violations", violations);
        return respond(problem);
    }

    /** A problem of {@code status} with a ConsentKit type. */
    public static ProblemDetail problem(HttpStatus status, String type, String title, @Nullable String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPE_BASE + type));
        problem.setTitle(title);
        return problem;
    }

    /** The problem as a response with its status and {@code application/problem+json}. */
    public static ResponseEntity<ProblemDetail> respond(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
