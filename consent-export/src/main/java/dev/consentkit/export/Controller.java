package dev.consentkit.export;

import dev.consentkit.core.InvalidConsentRequestException;
import dev.consentkit.core.internal.Checks;
import dev.consentkit.core.internal.TextValidators;

/**
 * The data controller named in consent receipts: configuration, not data of the log.
 *
 * <p>A Kantara Consent Receipt v1.1 must name the controller, a contact, an address, an e-mail address, a phone
 * number, the privacy policy and the jurisdiction, so all of these are required here and checked when the
 * controller is built: a receipt never carries an empty string where the specification asks for a value. Only the
 * web site is optional (the specification's {@code piiControllerUrl} may be left out): pass {@code ""} for none
 * and the receipts leave the field out.
 *
 * @param name      legal name (Kantara {@code piiController}); required
 * @param contact   contact person or role, for example the data protection officer; required
 * @param address   postal address, one line; required
 * @param email     contact e-mail; required
 * @param phone     contact phone; required
 * @param url       the controller's web site, or {@code ""} for none
 * @param policyUrl the privacy policy the notices belong to; required
 * @param jurisdiction where the controller is established, for example {@code DE}; required
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

    /**
     * Checks every field.
     *
     * @throws InvalidConsentRequestException naming the first field ({@code controller.name},
     *                                        {@code controller.phone}, ...) that is null, blank (except
     *                                        {@code url}, which may be empty) or holds a control character
     */
    public Controller {
        required(name, "controller.name");
        required(contact, "controller.contact");
        required(address, "controller.address");
        required(email, "controller.email");
        required(phone, "controller.phone");
        Checks.notNull(url, "controller.url");
        Checks.check(url.isEmpty() || !url.isBlank(), "controller.url", "must be empty (none) or not blank");
        oneLine(url, "controller.url");
        required(policyUrl, "controller.policyUrl");
        required(jurisdiction, "controller.jurisdiction");
    }

    /** True if a web site is configured. */
    public boolean hasUrl() {
        return !url.isEmpty();
    }

    // Required by the receipt specification: present, not blank, one line of well-formed text.
    private static void required(String value, String field) {
        Checks.notBlank(value, field);
        oneLine(value, field);
    }

    private static void oneLine(String value, String field) {
        Checks.check(
                !TextValidators.hasControlCharacter(value, false) && !TextValidators.hasUnpairedSurrogate(value),
                field,
                "must be one line of well-formed text without control characters");
    }
}
