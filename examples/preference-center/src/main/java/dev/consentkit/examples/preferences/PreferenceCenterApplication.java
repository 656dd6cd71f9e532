package dev.consentkit.examples.preferences;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The preference centre: customers see and change their choices, a marketer sends the newsletter to the
 * audience ConsentKit allows, an auditor downloads the verifiable audit log. Start it with
 * {@code ./mvnw -q -pl examples/preference-center -am package -DskipTests} and
 * {@code java -jar examples/preference-center/target/preference-center.jar}; it listens on port 8080.
 */
@SpringBootApplication
public class PreferenceCenterApplication {

    /** Starts the application. */
    public static void main(String[] args) {
        SpringApplication.run(PreferenceCenterApplication.class, args);
    }
}
