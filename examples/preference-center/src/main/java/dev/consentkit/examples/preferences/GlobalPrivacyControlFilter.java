package dev.consentkit.examples.preferences;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.Source;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.List;

/**
 * Honours Global Privacy Control: when a signed-in customer's browser sends {@code Sec-GPC: 1}, the signal is
 * recorded once per session as an opt-out of every sale-or-share purpose (ConsentKit itself writes nothing for
 * a repeated signal). Once per session, so that a grant the customer then gives on purpose stands, as the CCPA
 * regulations allow. Runs after Spring Security, so the customer is known.
 */
@Component
class GlobalPrivacyControlFilter extends OncePerRequestFilter {

    /** Session attribute: the records the signal wrote in this session. */
    static final String RECORDED = GlobalPrivacyControlFilter.class.getName() + ".recorded";

    private final ConsentManager consents;

    GlobalPrivacyControlFilter(ConsentManager consents) {
        this.consents = consents;
    }

    static boolean signalled(HttpServletRequest request) {
        return "1".equals(request.getHeader("Sec-GPC"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (signalled(request) && auth != null && auth.isAuthenticated() && auth.getAuthorities().stream()
                .anyMatch(a -> a.getAuthority().equals("ROLE_" + SecurityConfiguration.CUSTOMER))) {
            HttpSession session = request.getSession();
            if (session.getAttribute(RECORDED) == null) {
                Evidence evidence = Evidence.builder().source(Source.GPC_SIGNAL).collectionPoint("preference-centre")
                        .ipAddress(request.getRemoteAddr()).userAgent(request.getHeader("User-Agent")).build();
                List<ConsentRecord> written = consents.applyGlobalPrivacyControl(auth.getName(), evidence);
                session.setAttribute(RECORDED, written.size());
            }
        }
        chain.doFilter(request, response);
    }
}
