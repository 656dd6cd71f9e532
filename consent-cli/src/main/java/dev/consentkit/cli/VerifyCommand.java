package dev.consentkit.cli;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.VerificationReport;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Recompute the hash chains and report every broken one.",
            "Names the first altered, missing or reordered record of each broken chain.",
            "Exit code 0 only when every chain verifies, 1 when one is broken."
        })
final class VerifyCommand implements Callable<Integer> {

    @CommandLine.Mixin
    ConsentCli.Database database;

    @Option(names = "--subject", description = "Verify only this subject's chain")
    @Nullable
    String subject;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ConsentManager consents = database.open();
        spec.commandLine().getErr().println("Verifying chains and state of tenant '" + consents.tenant() + "' ...");
        VerificationReport report = subject == null ? consents.verify() : consents.verify(subject);
        PrintWriter out = spec.commandLine().getOut();
        for (VerificationReport.BrokenChain b : report.brokenChains()) {
            out.printf(
                    "BROKEN subject=%s sequence=%d problem=%s first-bad-record=%s%n",
                    b.subject().value(),
                    b.sequence(),
                    b.problem(),
                    b.firstBadRecord().map(Object::toString).orElse("-"));
        }
        out.printf(
                "%s: %d records in %d chains checked, %d broken%n",
                report.intact() ? "INTACT" : "BROKEN",
                report.recordsChecked(),
                report.subjectsChecked(),
                report.brokenChains().size());
        out.flush();
        return report.intact() ? 0 : 1;
    }
}
