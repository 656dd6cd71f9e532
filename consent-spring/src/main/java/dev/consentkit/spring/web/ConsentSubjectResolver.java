package dev.consentkit.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.Optional;

/**
 * Says which subject a web request is about, for the Global Privacy Control filter. The default is the
 * authenticated principal's name ({@link HttpServletRequest#getUserPrincipal()}, which Spring Security fills);
 * declare a bean of this type to use, say, a customer number from the principal or a visitor cookie instead.
 */
@FunctionalInterface
public interface ConsentSubjectResolver {

    /** The subject id, or empty when the request has none (then nothing is recorded). */
    Optional<String> resolve(HttpServletRequest request);

    /** The authenticated principal's name. */
    static ConsentSubjectResolver principalName() {
        return request -> Optional.ofNullable(request.getUserPrincipal()).map(Principal::getName);
    }
}
