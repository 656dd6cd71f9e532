package dev.consentkit.spring.web;

import dev.consentkit.core.ConsentDeniedException;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Answers a {@link ConsentDeniedException} thrown by any controller (for example from a {@code @RequiresConsent}
 * service it called) with 403 {@code application/problem+json} naming the purpose and the reason. Replace it by
 * declaring a bean of this type, or handle the exception in an advice of your own with a higher precedence.
 */
@RestControllerAdvice
public class ConsentDeniedExceptionHandler {

    /** 403 problem. */
    @ExceptionHandler(ConsentDeniedException.class)
    public ResponseEntity<ProblemDetail> handle(ConsentDeniedException e) {
        return ConsentProblems.denied(e);
    }
}
