package dev.consentkit.spring.internal;

import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AuthenticationTrustResolver;
import org.springframework.security.authentication.AuthenticationTrustResolverImpl;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.util.ClassUtils;

/** The name of the authenticated (not anonymous) principal in Spring Security's context, if Spring Security is there. */
final class AuthenticatedSubject {

    private static final boolean SECURITY = ClassUtils.isPresent(
            "org.springframework.security.core.context.SecurityContextHolder",
            AuthenticatedSubject.class.getClassLoader());

    private AuthenticatedSubject() {}

    static @Nullable String name() {
        return SECURITY ? Security.name() : null;
    }

    /** Loaded only when Spring Security is on the class path. */
    private static final class Security {
        private static final AuthenticationTrustResolver TRUST = new AuthenticationTrustResolverImpl();

        static @Nullable String name() {
            Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
            return TRUST.isAuthenticated(authentication) ? authentication.getName() : null;
        }
    }
}
