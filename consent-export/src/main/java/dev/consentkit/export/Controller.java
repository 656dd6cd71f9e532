package dev.consentkit.export;

import java.util.Objects;

/**
 * The data controller named in consent receipts: configuration, not data of the log.
 *
 * @param name      legal name
 * @param contact   contact person or role, for example the data protection officer
 * @param address   postal address, one line
 * @param email     contact e-mail
 * @param phone     contact phone
 * @param url       the controller's web site
 * @param policyUrl the privacy policy the notices belong to
 * @param jurisdiction where the controller is established, for example {@code DE}
 */
public record Controller(
        String name,
        String contact,
        String address,
        String email,
        String phone,
        String url,
        String policyUrl,
        String jurisdiction) {
    public Controller {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(contact, "contact");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(phone, "phone");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(policyUrl, "policyUrl");
        Objects.requireNonNull(jurisdiction, "jurisdiction");
    }
}
