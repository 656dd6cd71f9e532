package dev.consentkit.spring.internal;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Who is calling the REST endpoints and what they may do. Internal API; may change without notice.
 */
public interface ConsentAccessPolicy {

    /** The caller of {@code request}. */
    Caller caller(HttpServletRequest request);

    /**
     * A caller.
     *
     * @param name    the authenticated principal's name, null if unauthenticated
     * @param auditor holds the auditor authority
     * @param admin   holds the admin authority
     * @param open    unauthenticated access was allowed explicitly: everything is permitted
     */
    record Caller(@Nullable String name, boolean auditor, boolean admin, boolean open) {

        /** Authenticated, or the endpoints are open. */
        public boolean known() {
            return open || name != null;
        }

        /** May read {@code subject}'s choices, history and access export. */
        public boolean mayRead(String subject) {
            return open || subject.equals(name) || auditor || admin;
        }

        /** May record choices for {@code subject}. */
        public boolean mayWrite(String subject) {
            return open || subject.equals(name) || admin;
        }

        /** May run the auditor export over every subject. */
        public boolean mayAudit() {
            return open || auditor || admin;
        }
    }
}
