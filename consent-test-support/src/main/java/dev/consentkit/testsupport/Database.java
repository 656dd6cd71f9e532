package dev.consentkit.testsupport;

import java.util.Map;
import java.util.Optional;

/**
 * A real database server a test can ask for with {@link RequiresDatabase}, named by three environment
 * variables: {@code CONSENTKIT_TEST_<NAME>_URL} (a JDBC URL), {@code _USER} and {@code _PASSWORD}.
 */
public enum Database {

    /** PostgreSQL, from {@code CONSENTKIT_TEST_POSTGRES_URL}, {@code _USER} and {@code _PASSWORD}. */
    POSTGRESQL("PostgreSQL", "CONSENTKIT_TEST_POSTGRES"),

    /** MariaDB, from {@code CONSENTKIT_TEST_MARIADB_URL}, {@code _USER} and {@code _PASSWORD}. */
    MARIADB("MariaDB", "CONSENTKIT_TEST_MARIADB");

    private final String displayName;
    private final String variablePrefix;

    Database(String displayName, String variablePrefix) {
        this.displayName = displayName;
        this.variablePrefix = variablePrefix;
    }

    /** The product name for messages, for example {@code PostgreSQL}. */
    public String displayName() {
        return displayName;
    }

    /** The name of the environment variable that holds the JDBC URL. */
    public String urlVariable() {
        return variablePrefix + "_URL";
    }

    /** The name of the environment variable that holds the user name. */
    public String userVariable() {
        return variablePrefix + "_USER";
    }

    /** The name of the environment variable that holds the password. */
    public String passwordVariable() {
        return variablePrefix + "_PASSWORD";
    }

    /** Whether the URL variable is set to something other than blanks. */
    public boolean isConfigured() {
        return isConfigured(System.getenv());
    }

    boolean isConfigured(Map<String, String> environment) {
        String url = environment.get(urlVariable());
        return url != null && !url.isBlank();
    }

    /**
     * The JDBC URL.
     *
     * @throws IllegalStateException if the URL variable is not set; gate the test with {@link RequiresDatabase}
     */
    public String url() {
        if (!isConfigured()) {
            throw new IllegalStateException(
                    urlVariable() + " is not set; annotate the test with @RequiresDatabase(" + name() + ")");
        }
        return System.getenv(urlVariable()).strip();
    }

    /** The user name, if its variable is set. */
    public Optional<String> user() {
        return Optional.ofNullable(System.getenv(userVariable())).filter(u -> !u.isEmpty());
    }

    /** The password, empty when its variable is not set. */
    public String password() {
        return System.getenv().getOrDefault(passwordVariable(), "");
    }
}
