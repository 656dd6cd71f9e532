package dev.consentkit.examples.preferences;

import dev.consentkit.spring.RequiresConsent;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Service;

/**
 * Stands in for the shop's mailer. {@link RequiresConsent} makes ConsentKit check each recipient again right before
 * the e-mail goes out: the audience already came from {@code filterAllowed}, so a refusal here means a bug (or a
 * withdrawal in the last milliseconds), and it throws instead of sending.
 */
@Service
public class NewsletterMailer {

    private final AtomicLong delivered = new AtomicLong();

    /** Sends the newsletter to {@code customer}, if ConsentKit allows it now. */
    @RequiresConsent(purpose = Purposes.NEWSLETTER, subject = "#customer")
    public void deliver(String customer) {
        // a real mailer would render and send the e-mail here
        delivered.incrementAndGet();
    }

    /** How many newsletters went out since start-up. */
    public long delivered() {
        return delivered.get();
    }
}
