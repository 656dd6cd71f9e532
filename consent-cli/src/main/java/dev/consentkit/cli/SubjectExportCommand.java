package dev.consentkit.cli;

import dev.consentkit.export.SubjectAccessExport;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "subject-export",
        mixinStandardHelpOptions = true,
        description = {
            "Write one subject's access export (GDPR Art. 15/20) as JSON.",
            "Current decisions, preferences, full history and the purpose texts agreed to."
        })
final class SubjectExportCommand implements Callable<Integer> {

    @CommandLine.Mixin
    ConsentCli.Database database;

    @Option(names = "--subject", required = true, description = "The subject")
    String subject;

    @CommandLine.Mixin
    Outputs output;

    @Override
    public Integer call() throws Exception {
        SubjectAccessExport export = SubjectAccessExport.of(database.open());
        try (OutputStream out = output.open()) {
            export.write(subject, out);
        }
        return 0;
    }
}
