package dev.consentkit.spring.internal;

import dev.consentkit.spring.web.ConsentAccessPolicy;
import dev.consentkit.spring.web.ConsentAccessPolicy.Caller;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;

/**
 * Everything is allowed ({@code consentkit.web.allow-unauthenticated=true}); the caller's name is the container's
 * principal, if any. Internal API; may change without notice.
 */
public final class OpenAccessPolicy implements ConsentAccessPolicy {

    @Override
    public Caller caller(HttpServletRequest request) {
        Principal principal = request.getUserPrincipal();
        return new Caller(principal == null ? null : principal.getName(), false, false, true);
    }
}
