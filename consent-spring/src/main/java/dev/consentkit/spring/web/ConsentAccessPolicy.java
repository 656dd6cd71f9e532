package dev.consentkit.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Who is calling the REST endpoints of {@link ConsentRestController} and what they may do. The auto-configuration
 * supplies one that reads Spring Security's context (the caller's name and whether it holds
 * {@code consentkit.web.auditor-authority} or {@code consentkit.web.admin-authority}); declare a bean of this type
 * to decide otherwise, for example from a gateway's headers.
 */
@FunctionalInterface
public interface ConsentAccessPolicy {

    /** The caller of {@code request}; {@link Caller#anonymous()} when it is not authenticated. */
    Caller caller(HttpServletRequest request);

    /**
     * A caller.
     *
     * @param name    the authenticated principal's name, null if unauthenticated
     * @param auditor holds the auditor authority: reads every subject and runs the auditor export
     * @param admin   holds the admin authority: reads and changes every subject, may backdate a choice
     * @param open    unauthenticated access was allowed explicitly: everything is permitted
     */
    record Caller(@Nullable String name, boolean auditor, boolean admin, boolean open) {

        /** An unauthenticated caller on endpoints that are not open. */
        public static Caller anonymous() {
            return new Caller(null, false, false, false);
        }

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

        /** May set when a choice took effect (a backdated choice changes what past checks answer). */
        public boolean mayBackdate() {
            return open || admin;
        }
    }
}
