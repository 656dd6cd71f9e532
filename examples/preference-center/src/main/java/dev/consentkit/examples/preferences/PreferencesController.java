package dev.consentkit.examples.preferences;

import dev.consentkit.core.Actor;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentDecision;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.ConsentStatus;
import dev.consentkit.core.DecisionReason;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.PurposeId;
import dev.consentkit.core.Source;
import dev.consentkit.core.SubjectConsents;
import jakarta.servlet.http.HttpServletRequest;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** The customer's preference centre: each purpose's text and current choice, a form to change it, the history. */
@Controller
class PreferencesController {

    static final DateTimeFormatter WHEN =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private final ConsentManager consents;

    PreferencesController(ConsentManager consents) {
        this.consents = consents;
    }

    /** One purpose as the page shows it. */
    record PurposeView(
            String id,
            String key,
            String title,
            String description,
            String basis,
            int version,
            List<String> dataCategories,
            boolean allowed,
            String state,
            String yesLabel,
            String noLabel) {}

    /** One line of the customer's history. */
    record HistoryLine(String when, String purpose, int version, String status, String how, boolean conflict) {}

    @GetMapping("/preferences")
    String preferences(Authentication user, HttpServletRequest request, Model model) {
        String subject = user.getName();
        SubjectConsents state = consents.stateOf(subject);
        List<PurposeView> purposes = new ArrayList<>();
        List<Purpose> shown = consents.purposes().currentPurposes().stream()
                .sorted(Comparator.comparingInt((Purpose p) -> displayRank(p.id().value()))
                        .thenComparing(p -> p.id().value()))
                .toList();
        for (Purpose p : shown) {
            ConsentDecision d = state.decisions().get(p.id());
            boolean consent = p.basis() == LegalBasis.CONSENT;
            purposes.add(new PurposeView(
                    p.id().value(),
                    p.id().value().replace('.', '-'),
                    p.title(request.getLocale()),
                    p.description(request.getLocale()),
                    basis(p.basis()),
                    p.version(),
                    p.dataCategories().stream().sorted().toList(),
                    d.allowed(),
                    describe(d),
                    consent ? "Yes, I agree" : "Allow",
                    consent ? "No" : "I object"));
        }
        List<HistoryLine> history = new ArrayList<>();
        try (Stream<ConsentRecord> records = consents.history(HistoryQuery.forSubject(subject))) {
            records.forEach(r -> history.add(new HistoryLine(
                    WHEN.format(r.recordedAt()),
                    title(r.purpose(), request),
                    r.purposeVersion(),
                    status(r.status()),
                    source(r.evidence().source()) + " (" + r.evidence().collectionPoint() + ")",
                    r.conflict())));
        }
        Collections.reverse(history);
        model.addAttribute("customer", subject);
        model.addAttribute("purposes", purposes);
        model.addAttribute("history", history);
        model.addAttribute("formToken", UUID.randomUUID().toString());
        model.addAttribute("gpc", GpcConfiguration.signalled(request));
        return "preferences";
    }

    @PostMapping("/preferences")
    String change(
            Authentication user,
            @RequestParam String purpose,
            @RequestParam Optional<String> choice,
            @RequestParam String formToken,
            HttpServletRequest request,
            RedirectAttributes redirect) {
        Purpose p = consents.purposes().currentPurposes().stream()
                .filter(c -> c.id().value().equals(purpose))
                .findFirst()
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.BAD_REQUEST, "unknown purpose"));
        String title = p.title(request.getLocale());
        if (choice.isEmpty() || !(choice.get().equals("yes") || choice.get().equals("no"))) {
            redirect.addFlashAttribute("message", "Choose one of the options for " + title + ", then save.");
            return "redirect:/preferences";
        }
        String subject = user.getName();
        ConsentDecision current = consents.check(subject, purpose);
        boolean yes = choice.get().equals("yes");
        boolean saidNo = current.reason() == DecisionReason.DENIED
                || current.reason() == DecisionReason.WITHDRAWN
                || current.reason() == DecisionReason.OPTED_OUT;
        if ((yes && current.allowed()) || (!yes && saidNo)) {
            redirect.addFlashAttribute("message", "No change: " + title + " stays as it was.");
            return "redirect:/preferences";
        }
        ConsentCommand.Builder command;
        String done;
        if (yes) {
            command = ConsentCommand.grant(subject, purpose);
            done = p.basis() == LegalBasis.CONSENT ? "you agreed to " + title : "you allowed " + title;
        } else if (p.basis() != LegalBasis.CONSENT) {
            command = ConsentCommand.optOut(subject, purpose);
            done = "you objected to " + title;
        } else if (current.record()
                .map(r -> r.status() == ConsentStatus.GRANTED || r.status() == ConsentStatus.PENDING)
                .orElse(false)) {
            command = ConsentCommand.withdraw(subject, purpose);
            done = "you withdrew your consent to " + title;
        } else {
            command = ConsentCommand.deny(subject, purpose);
            done = "you declined " + title;
        }
        Evidence evidence = Evidence.builder()
                .source(Source.WEB)
                .collectionPoint("preference-centre")
                .noticeVersion(p.id().value() + "-v" + p.version())
                .noticeText(p.description(request.getLocale()))
                .locale(request.getLocale())
                .actor(Actor.subject())
                .ipAddress(request.getRemoteAddr())
                .userAgent(request.getHeader("User-Agent"))
                .build();
        // One key per submitted choice: the rendered form's token, the purpose and the chosen status. A repeated
        // submission of the same choice (a double click, a reload) writes nothing the second time; another choice
        // from the same rendered form is a new command with a key of its own (an idempotency key names one command).
        ConsentCommand built = command.evidence(evidence).build();
        consents.record(command.idempotencyKey(choiceKey(formToken, purpose, built.status()))
                .build());
        redirect.addFlashAttribute("message", "Saved: " + done + ".");
        return "redirect:/preferences";
    }

    /** The idempotency key of one submitted choice: form token, purpose and chosen status. */
    static String choiceKey(String formToken, String purpose, ConsentStatus status) {
        return "pc-" + formToken + "-" + purpose + "-" + status.name();
    }

    private static int displayRank(String purpose) {
        int rank = Purposes.DISPLAY_ORDER.indexOf(purpose);
        return rank < 0 ? Integer.MAX_VALUE : rank;
    }

    private String title(PurposeId id, HttpServletRequest request) {
        return consents.purposes()
                .current(id)
                .map(p -> p.title(request.getLocale()))
                .orElse(id.value());
    }

    static String basis(LegalBasis basis) {
        return switch (basis) {
            case CONSENT -> "Your consent";
            case LEGITIMATE_INTERESTS -> "Our legitimate interests (you may object)";
            case CONTRACT -> "Needed for your contract";
            case LEGAL_OBLIGATION -> "Required by law";
            case VITAL_INTERESTS -> "To protect vital interests";
            case PUBLIC_TASK -> "A task in the public interest";
        };
    }

    static String describe(ConsentDecision d) {
        boolean gpc =
                d.record().map(r -> r.evidence().source() == Source.GPC_SIGNAL).orElse(false);
        return switch (d.reason()) {
            case GRANTED -> "You agreed";
            case NOT_OBJECTED ->
                d.record().map(r -> r.status() == ConsentStatus.GRANTED).orElse(false)
                        ? "You allowed it"
                        : "Allowed: you have not objected";
            case LEGAL_BASIS -> "Allowed by law or contract";
            case NO_RECORD -> "Not allowed: you have not decided yet";
            case DENIED -> "Not allowed: you said no";
            case WITHDRAWN -> "Not allowed: you withdrew your consent";
            case OPTED_OUT ->
                gpc
                        ? "Not allowed: your browser's Global Privacy Control signal objected"
                        : "Not allowed: you objected";
            case PENDING_CONFIRMATION -> "Not allowed yet: waiting for your confirmation";
            case EXPIRED -> "Not allowed: your consent has lapsed, please renew it";
            case RECONSENT_REQUIRED -> "Not allowed: the text changed, please decide again";
            case ERASED -> "Not allowed: your data was erased";
        };
    }

    static String status(ConsentStatus status) {
        return switch (status) {
            case GRANTED -> "Granted";
            case DENIED -> "Denied";
            case WITHDRAWN -> "Withdrawn";
            case OPTED_OUT -> "Opted out";
            case PENDING -> "Pending confirmation";
        };
    }

    static String source(Source source) {
        return switch (source) {
            case WEB -> "Website";
            case MOBILE_APP -> "Mobile app";
            case EMAIL -> "E-mail";
            case PHONE -> "Phone";
            case IN_PERSON -> "In person";
            case PAPER -> "Paper form";
            case API -> "API";
            case IMPORT -> "Import";
            case GPC_SIGNAL -> "Global Privacy Control signal";
            case SYSTEM -> "System";
        };
    }
}
