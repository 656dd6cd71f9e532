package dev.consentkit.spring.internal;

import dev.consentkit.spring.web.ConsentAccessPolicy;
import dev.consentkit.spring.web.ConsentAccessPolicy.Caller;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.security.authentication.AuthenticationTrustResolver;
import org.springframework.security.authentication.AuthenticationTrustResolverImpl;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The caller from Spring Security's context: its name and whether it holds the auditor or admin authority.
 * Anonymous authentication counts as none. Internal API; may change without notice.
 */
public final class SpringSecurityAccessPolicy implements ConsentAccessPolicy {

    private final AuthenticationTrustResolver trust = new AuthenticationTrustResolverImpl();
    private final String auditorAuthority;
    private final String adminAuthority;

    public SpringSecurityAccessPolicy(String auditorAuthority, String adminAuthority) {
        this.auditorAuthority = auditorAuthority;
        this.adminAuthority = adminAuthority;
    }

    @Override
    public Caller caller(HttpServletRequest request) {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (!trust.isAuthenticated(authentication)) {
            return Caller.anonymous();
        }
        Set<String> authorities = authentication.getAuthorities().stream()
                .map(GrantedAuthority::getAuthority)
                .collect(Collectors.toSet());
        return new Caller(
                authentication.getName(),
                authorities.contains(auditorAuthority),
                authorities.contains(adminAuthority),
                false);
    }
}
