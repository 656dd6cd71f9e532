package dev.consentkit.examples.preferences;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

/** Tells the newcomer at the console where to point the browser and whom to sign in as. */
@Component
class ReadyMessage implements ApplicationListener<ApplicationReadyEvent> {

    private static final Logger log = LoggerFactory.getLogger(ReadyMessage.class);

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port", "8080");
        log.info(
                "Preference centre ready on http://localhost:{}/ - demo users (password \"{}\"): {} (customers), "
                        + "{} (marketer), {} (auditor)",
                port,
                DemoUsers.PASSWORD,
                String.join(", ", DemoUsers.SIGN_IN_CUSTOMERS),
                DemoUsers.MARKETER,
                DemoUsers.AUDITOR);
    }
}
