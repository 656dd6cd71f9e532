package dev.consentkit.cli;

import dev.consentkit.export.AuditExporter;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Stream the audit log as CSV or JSON Lines.",
            "Consent, preference and erasure entries with evidence and chain links, in append",
            "order, in constant memory. CSV is RFC 4180; ids, hashes, timestamps and the other key",
            "columns hold the stored values exactly, while the free-text columns (collection_point,",
            "user_agent, comment, erasure_reason) get an apostrophe in front of a value starting",
            "with = + - @ tab, CR or an apostrophe: drop one leading apostrophe to get the value back."
        })
final class ExportCommand implements Callable<Integer> {

    /** The export formats. */
    enum Format {
        csv,
        jsonl
    }

    @CommandLine.Mixin
    ConsentCli.Database database;

    @CommandLine.Mixin
    ConsentCli.Filters filters;

    @Option(names = "--format", required = true, description = "csv or jsonl")
    Format format;

    @CommandLine.Mixin
    Outputs output;

    @Override
    public Integer call() throws Exception {
        AuditExporter exporter = AuditExporter.of(database.open());
        try (OutputStream out = output.open()) {
            long n = format == Format.csv
                    ? exporter.writeCsv(filters.query(), out)
                    : exporter.writeJsonLines(filters.query(), out);
            output.err().println("Exported " + n + " entries");
        }
        return 0;
    }
}
