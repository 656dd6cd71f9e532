package dev.consentkit.cli;

import dev.consentkit.export.ConsentReceipts;
import dev.consentkit.export.Controller;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "receipts",
        mixinStandardHelpOptions = true,
        description = {
            "Write a consent receipt per grant as JSON Lines.",
            "Kantara Consent Receipt v1.1, or ISO/IEC TS 27560-structured records with DPV terms."
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

    @Option(names = "--controller-contact", defaultValue = "", description = "Contact person or role")
    String contact;

    @Option(names = "--controller-address", defaultValue = "", description = "Postal address")
    String address;

    @Option(names = "--controller-email", defaultValue = "", description = "Contact e-mail")
    String email;

    @Option(names = "--controller-phone", defaultValue = "", description = "Contact phone")
    String phone;

    @Option(names = "--controller-url", defaultValue = "", description = "Web site")
    String url;

    @Option(names = "--policy-url", defaultValue = "", description = "Privacy policy URL")
    String policyUrl;

    @Option(names = "--jurisdiction", defaultValue = "", description = "Where the controller is established, e.g. DE")
    String jurisdiction;

    @CommandLine.Mixin
    Outputs output;

    @Override
    public Integer call() throws Exception {
        ConsentReceipts receipts = ConsentReceipts.of(
                database.open(), new Controller(name, contact, address, email, phone, url, policyUrl, jurisdiction));
        try (OutputStream out = output.open()) {
            long n = receipts.write(
                    filters.query(),
                    format == Format.kantara ? ConsentReceipts.Format.KANTARA_V1_1 : ConsentReceipts.Format.ISO_27560,
                    out);
            output.err().println("Wrote " + n + " receipts");
        }
        return 0;
    }
}
