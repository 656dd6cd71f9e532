package dev.consentkit.examples.preferences;

import dev.consentkit.spring.web.ConsentSubjectResolver;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.security.Principal;
import java.util.Optional;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Global Privacy Control: consent-spring's filter records a {@code Sec-GPC: 1} signal as an opt-out of every
 * sale-or-share purpose for the subject this resolver names. Here that is a signed-in customer (never the
 * marketer or the auditor), once per session: a grant the customer then gives on purpose stands although the
 * browser keeps signalling, as the CCPA regulations allow.
 */
@Configuration(proxyBeanMethods = false)
class GpcConfiguration {

    private static final String SIGNAL_SEEN = GpcConfiguration.class.getName() + ".signalSeen";

    @Bean
    ConsentSubjectResolver customerOncePerSession() {
        return request -> {
            Principal principal = request.getUserPrincipal();
            if (principal == null || !request.isUserInRole(SecurityConfiguration.CUSTOMER)) {
                return Optional.empty();
            }
            HttpSession session = request.getSession();
            if (session.getAttribute(SIGNAL_SEEN) != null) {
                return Optional.empty();
            }
            session.setAttribute(SIGNAL_SEEN, Boolean.TRUE);
            return Optional.of(principal.getName());
        };
    }

    /** Whether the browser sends Global Privacy Control with this request. */
    static boolean signalled(HttpServletRequest request) {
        return "1".equals(request.getHeader("Sec-GPC"));
    }
}
