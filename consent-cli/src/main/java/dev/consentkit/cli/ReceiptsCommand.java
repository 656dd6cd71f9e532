package dev.consentkit.cli;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.PurposeId;
import dev.consentkit.export.ConsentReceipts;
import dev.consentkit.export.Controller;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "receipts",
        mixinStandardHelpOptions = true,
        description = {
            "Write a consent receipt per grant as JSON Lines.",
            "Kantara Consent Receipt v1.1 (grants of consent purposes only; grants on other legal bases get none),"
                    + " or ISO/IEC TS 27560-structured records with DPV terms.",
            "Every controller field is required except --controller-url. The database keeps no recipients:"
                    + " a sale-or-share purpose needs --recipient for a Kantara receipt."
        })
final class ReceiptsCommand implements Callable<Integer> {

    /** The receipt formats. */
    enum Format {
        kantara,
        iso27560
    }

    @CommandLine.Mixin
    ConsentCli.Database database;

    @CommandLine.Mixin
    ConsentCli.Filters filters;

    @Option(
            names = "--format",
            defaultValue = "kantara",
            description = "kantara or iso27560 (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--controller-name", required = true, description = "The data controller's legal name")
    String name;

    @Option(names = "--controller-contact", required = true, description = "Contact person or role")
    String contact;

    @Option(names = "--controller-address", required = true, description = "Postal address, one line")
    String address;

    @Option(names = "--controller-email", required = true, description = "Contact e-mail")
    String email;

    @Option(names = "--controller-phone", required = true, description = "Contact phone")
    String phone;

    @Option(names = "--controller-url", defaultValue = "", description = "Web site (optional)")
    String url;

    @Option(names = "--policy-url", required = true, description = "Privacy policy URL")
    String policyUrl;

    @Option(names = "--jurisdiction", required = true, description = "Where the controller is established, e.g. DE")
    String jurisdiction;

    @Option(
            names = "--recipient",
            paramLabel = "PURPOSE=NAME",
            description = "A third party the purpose's data is disclosed to, named in Kantara receipts"
                    + " (thirdPartyName); repeat for several, e.g. --recipient 'ads.sale=Ad partner GmbH'")
    List<String> recipients = new ArrayList<>();

    @CommandLine.Mixin
    Outputs output;

    @Override
    public Integer call() throws Exception {
        Controller controller = new Controller(name, contact, address, email, phone, url, policyUrl, jurisdiction);
        Map<String, List<String>> byPurpose = recipientsByPurpose();
        ConsentManager consents = database.open(p -> {
            List<String> named = byPurpose.get(p.id().value());
            return named == null ? p : p.withRecipients(named);
        });
        for (String purpose : byPurpose.keySet()) {
            if (!consents.purposes().contains(PurposeId.of(purpose))) {
                throw new IllegalArgumentException(
                        "--recipient names purpose '" + purpose + "', which is not saved for this tenant");
            }
        }
        ConsentReceipts receipts = ConsentReceipts.of(consents, controller);
        try (OutputStream out = output.open()) {
            long n = receipts.write(
                    filters.query(),
                    format == Format.kantara ? ConsentReceipts.Format.KANTARA_V1_1 : ConsentReceipts.Format.ISO_27560,
                    out);
            output.err().println("Wrote " + n + " receipts");
        }
        return 0;
    }

    private Map<String, List<String>> recipientsByPurpose() {
        Map<String, List<String>> byPurpose = new LinkedHashMap<>();
        for (String option : recipients) {
            int eq = option.indexOf('=');
            if (eq <= 0 || eq == option.length() - 1) {
                throw new IllegalArgumentException(
                        "--recipient must be PURPOSE=NAME, for example 'ads.sale=Ad partner" + " GmbH'");
            }
            byPurpose
                    .computeIfAbsent(option.substring(0, eq), k -> new ArrayList<>())
                    .add(option.substring(eq + 1));
        }
        return byPurpose;
    }
}
