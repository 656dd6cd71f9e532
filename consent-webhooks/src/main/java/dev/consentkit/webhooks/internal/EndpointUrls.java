package dev.consentkit.webhooks.internal;

import dev.consentkit.core.InvalidConsentRequestException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Internal API; may change without notice. Which URLs a webhook may go to: absolute {@code https} URLs with a host
 * and without user info; plain {@code http} only to a loopback host ({@code localhost}, {@code 127.x.x.x},
 * {@code [::1]}), for tests and sidecars. Decided from the text alone: no name is resolved.
 */
public final class EndpointUrls {

    private static final Pattern LOOPBACK_V4 = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    private EndpointUrls() {}

    /**
     * The URL as a URI.
     *
     * @throws InvalidConsentRequestException naming {@code field} for anything else
     */
    public static URI check(String url, String field) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw InvalidConsentRequestException.of(field, "must be a valid absolute URL");
        }
        String scheme = uri.getScheme();
        String host = uri.getHost();
        if (!uri.isAbsolute() || scheme == null || host == null || host.isEmpty()) {
            throw InvalidConsentRequestException.of(field, "must be an absolute URL with a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw InvalidConsentRequestException.of(field, "must not carry user info (credentials)");
        }
        if (uri.getRawFragment() != null) {
            throw InvalidConsentRequestException.of(field, "must not have a fragment");
        }
        String s = scheme.toLowerCase(Locale.ROOT);
        if (s.equals("https")) {
            return uri;
        }
        if (s.equals("http")) {
            if (isLoopback(host)) {
                return uri;
            }
            throw InvalidConsentRequestException.of(field, "must use https (plain http only to a loopback host)");
        }
        throw InvalidConsentRequestException.of(field, "must use https");
    }

    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost")
                || h.equals("[::1]")
                || h.equals("::1")
                || LOOPBACK_V4.matcher(h).matches();
    }
}
