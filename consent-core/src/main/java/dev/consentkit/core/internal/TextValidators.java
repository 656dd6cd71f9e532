package dev.consentkit.core.internal;

import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import java.util.IllformedLocaleException;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. Validators for {@link SafeText} and {@link IpAddress}, and the text
 * rules every stored field shares: no control characters where they are not wanted, and only well-formed UTF-16
 * (a surrogate that is not half of a pair cannot be encoded in UTF-8, so a database would store something else).
 */
public final class TextValidators {

    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    // InetAddress treats a string as a literal only if it starts with a hex digit or ':'; anything else
    // (for example ".::1") it resolves as a host name, so such strings must be refused before it is called
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]{1,44}");

    /** The longest language tag stored: the length of the log's {@code locale} column in every shipped schema. */
    public static final int LOCALE_MAX_LENGTH = 64;

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

    /**
     * True if {@code value} holds a surrogate that is not half of a pair: ill-formed UTF-16, which has no UTF-8
     * form. Drivers store such a text as something else ({@code ?}, or a different letter), so two different
     * texts would become one row and a stored text would no longer match what was recorded.
     */
    public static boolean hasUnpairedSurrogate(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)
                    && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++; // a pair: one supplementary character
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Why {@code locale} cannot be stored faithfully as a language tag of at most {@code maxLength} characters,
     * or {@code null} if it can: its BCP 47 tag must be well formed and must read back as the same locale.
     */
    public static @Nullable String localeProblem(Locale locale, int maxLength) {
        String tag = locale.toLanguageTag();
        try {
            new Locale.Builder().setLanguageTag(tag);
        } catch (IllformedLocaleException e) {
            return "must be a well-formed BCP 47 language tag";
        }
        if (!Locale.forLanguageTag(tag).equals(locale)) {
            return "must be a well-formed BCP 47 language tag";
        }
        if (tag.length() > maxLength) {
            return "must be a language tag of at most " + maxLength + " characters";
        }
        return null;
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
            return !s.isBlank() && s.length() <= max && !hasControlCharacter(s, multiline) && !hasUnpairedSurrogate(s);
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
