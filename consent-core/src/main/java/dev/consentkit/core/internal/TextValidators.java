package dev.consentkit.core.internal;

import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import java.util.regex.Pattern;

/** Internal API; may change without notice. Validators for {@link SafeText} and {@link IpAddress}. */
public final class TextValidators {

    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    // InetAddress treats a string as a literal only if it starts with a hex digit or ':'; anything else
    // (for example ".::1") it resolves as a host name, so such strings must be refused before it is called
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]{1,44}");

    private TextValidators() {}

    /** True for an IPv4 dotted quad or an IPv6 literal; never touches the network. */
    public static boolean isIpAddress(String value) {
        if (IPV4.matcher(value).matches()) {
            return true;
        }
        if (!value.contains(":") || !IPV6_CHARS.matcher(value).matches()) {
            return false;
        }
        try {
            // A string of hex digits, colons and dots containing a colon is parsed as an IPv6
            // literal; InetAddress never resolves such a string through DNS.
            java.net.InetAddress.getByName(value);
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** True if {@code value} has a control character ({@code multiline} allows CR, LF and tab). */
    public static boolean hasControlCharacter(String value, boolean multiline) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (multiline && (c == '\n' || c == '\r' || c == '\t')) {
                continue;
            }
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return true;
            }
        }
        return false;
    }

    /** Validates {@link SafeText}. */
    public static final class SafeTextValidator implements ConstraintValidator<SafeText, CharSequence> {
        private int max;
        private boolean multiline;

        @Override
        public void initialize(SafeText annotation) {
            this.max = annotation.max();
            this.multiline = annotation.multiline();
        }

        @Override
        public boolean isValid(CharSequence value, ConstraintValidatorContext context) {
            if (value == null) {
                return true;
            }
            String s = value.toString();
            return !s.isBlank() && s.length() <= max && !hasControlCharacter(s, multiline);
        }
    }

    /** Validates {@link IpAddress}. */
    public static final class IpAddressValidator implements ConstraintValidator<IpAddress, CharSequence> {
        @Override
        public boolean isValid(CharSequence value, ConstraintValidatorContext context) {
            return value == null || isIpAddress(value.toString());
        }
    }
}
