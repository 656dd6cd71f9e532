package dev.consentkit.spring.web;

import dev.consentkit.core.ConsentDecision;
import dev.consentkit.core.ConsentException;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.Source;
import dev.consentkit.core.SubjectConsents;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Applies a Global Privacy Control signal: for a request with {@code Sec-GPC: 1} and a resolved subject, the
 * subject is opted out of every sale-or-share purpose it is not already opted out of (the Global Privacy Control
 * rule; a repeated signal writes nothing and costs one read, a few more where the subject has since granted again
 * on its own, a grant the signal then leaves standing). The records written, an empty list if none, are left in the request
 * attribute {@link #RECORDS_ATTRIBUTE}, so the application can ask the person to confirm a
 * {@linkplain ConsentRecord#conflict() conflict} with an earlier grant. A failure to record is logged and does not
 * fail the request.
 */
public class GlobalPrivacyControlFilter extends OncePerRequestFilter {

    /** Request attribute holding the {@code List<ConsentRecord>} this request's signal wrote. */
    public static final String RECORDS_ATTRIBUTE = GlobalPrivacyControlFilter.class.getName() + ".records";

    private static final Logger log = LoggerFactory.getLogger(GlobalPrivacyControlFilter.class);
    private static final int MAX_USER_AGENT = 1024;

    private final ConsentManager consents;
    private final ConsentSubjectResolver subjects;
    private final String collectionPoint;
    private final List<PurposeId> saleOrShare;

    /** A filter recording for {@code consents}, the subject from {@code subjects}. */
    public GlobalPrivacyControlFilter(
            ConsentManager consents, ConsentSubjectResolver subjects, String collectionPoint) {
        this.consents = consents;
        this.subjects = subjects;
        this.collectionPoint = collectionPoint;
        this.saleOrShare = consents.purposes().currentPurposes().stream()
                .filter(Purpose::saleOrShare)
                .map(Purpose::id)
                .toList();
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return saleOrShare.isEmpty() || !"1".equals(trimmed(request.getHeader("Sec-GPC")));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<String> subject = subjects.resolve(request);
        if (subject.isPresent()) {
            request.setAttribute(RECORDS_ATTRIBUTE, apply(subject.get(), request));
        }
        chain.doFilter(request, response);
    }

    private List<ConsentRecord> apply(String subject, HttpServletRequest request) {
        try {
            if (alreadyOptedOut(consents.stateOf(subject))) {
                return List.of();
            }
            String userAgent = request.getHeader("User-Agent");
            Evidence evidence = Evidence.builder()
                    .source(Source.GPC_SIGNAL)
                    .collectionPoint(collectionPoint)
                    .ipAddress(request.getRemoteAddr())
                    .userAgent(userAgent == null || userAgent.length() > MAX_USER_AGENT ? null : userAgent)
                    .build();
            return consents.applyGlobalPrivacyControl(subject, evidence);
        } catch (ConsentException e) {
            // the message names no subject; the request goes on without the opt-out
            log.warn("Global Privacy Control signal not recorded: {}", e.getMessage());
            return List.of();
        }
    }

    private boolean alreadyOptedOut(SubjectConsents state) {
        for (PurposeId p : saleOrShare) {
            ConsentDecision d = state.decisions().get(p);
            boolean done = d == null
                    || d.reason() == DecisionReason.ERASED
                    || d.record()
                            .map(r -> r.status() == ConsentStatus.OPTED_OUT)
                            .orElse(false);
            if (!done) {
                return false;
            }
        }
        return true;
    }

    private static String trimmed(String value) {
        return value == null ? "" : value.trim();
    }
}
