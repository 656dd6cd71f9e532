package dev.consentkit.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the browser tests find Chromium and its driver: {@code CHROMIUM_BIN} and {@code CHROMEDRIVER_BIN}, by
 * default {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} from Debian's {@code chromium} and
 * {@code chromium-driver} packages.
 */
public final class LocalBrowser {

    private LocalBrowser() {}

    /** The Chromium executable. */
    public static Path chromium() {
        return chromium(System.getenv());
    }

    /** The chromedriver executable. */
    public static Path chromedriver() {
        return chromedriver(System.getenv());
    }

    /** Whether both executables are there. */
    public static boolean isInstalled() {
        return isInstalled(System.getenv());
    }

    static Path chromium(Map<String, String> environment) {
        return Path.of(environment.getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium"));
    }

    static Path chromedriver(Map<String, String> environment) {
        return Path.of(environment.getOrDefault("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"));
    }

    static boolean isInstalled(Map<String, String> environment) {
        return Files.isExecutable(chromium(environment)) && Files.isExecutable(chromedriver(environment));
    }
}
