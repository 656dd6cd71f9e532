package dev.consentkit.examples.preferences;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.SubjectId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The marketer's page: the newsletter audience is whoever ConsentKit allows now, computed with
 * {@link ConsentManager#filterAllowed} over every customer in one read; sending hands each of them to the
 * {@link NewsletterMailer}, which checks again.
 */
@Controller
class NewsletterController {

    private static final Logger log = LoggerFactory.getLogger(NewsletterController.class);

    private final ConsentManager consents;
    private final NewsletterMailer mailer;
    private final List<Send> sends = new CopyOnWriteArrayList<>();

    NewsletterController(ConsentManager consents, NewsletterMailer mailer) {
        this.consents = consents;
        this.mailer = mailer;
    }

    /** One newsletter sent. */
    record Send(String when, int recipients, int customers) {}

    @GetMapping("/newsletter")
    String newsletter(Model model) {
        model.addAttribute("audience", audience().size());
        model.addAttribute("customers", DemoUsers.ALL_CUSTOMERS.size());
        model.addAttribute(
                "purpose",
                consents.purposes()
                        .current(PurposeId.of(Purposes.NEWSLETTER))
                        .map(p -> p.title() + " (" + Purposes.NEWSLETTER + ", version " + p.version() + ")")
                        .orElseThrow());
        List<Send> latestFirst = new ArrayList<>(sends);
        Collections.reverse(latestFirst);
        model.addAttribute("sends", latestFirst);
        return "newsletter";
    }

    @PostMapping("/newsletter/send")
    String send(RedirectAttributes redirect) {
        Set<SubjectId> audience = audience();
        audience.forEach(customer -> mailer.deliver(customer.value()));
        // Logs carry counts only, never subject ids.
        sends.add(new Send(
                PreferencesController.WHEN.format(Instant.now()), audience.size(), DemoUsers.ALL_CUSTOMERS.size()));
        log.info("Newsletter sent to {} of {} customers", audience.size(), DemoUsers.ALL_CUSTOMERS.size());
        redirect.addFlashAttribute(
                "message",
                "Newsletter sent to " + audience.size() + " of " + DemoUsers.ALL_CUSTOMERS.size() + " customers.");
        return "redirect:/newsletter";
    }

    private Set<SubjectId> audience() {
        return consents.filterAllowed(Purposes.NEWSLETTER, DemoUsers.ALL_CUSTOMERS);
    }
}
