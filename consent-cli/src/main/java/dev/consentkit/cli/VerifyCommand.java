package dev.consentkit.cli;

import dev.consentkit.core.Checkpoint;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.VerificationReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
            "With --checkpoint FILE (and its key) also proves that nothing recorded before the checkpoint was",
            "removed or rewound, which the chains alone cannot show.",
            "Exit code 0 only when every chain (and the checkpoint) verifies, 1 when one is broken."
        })
final class VerifyCommand implements Callable<Integer> {

    @CommandLine.Mixin
    ConsentCli.Database database;

    @Option(names = "--subject", description = "Verify only this subject's chain")
    @Nullable
    String subject;

    @Option(names = "--checkpoint", description = "A checkpoint file written by the checkpoint command")
    @Nullable
    Path checkpoint;

    @CommandLine.Mixin
    CheckpointKeyOptions keys;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Checkpoint given = null;
        if (checkpoint != null) {
            if (subject != null) {
                throw new IllegalStateException("--checkpoint covers the whole tenant: leave out --subject");
            }
            given = Checkpoint.parse(Files.readString(checkpoint, StandardCharsets.UTF_8));
        }
        ConsentManager consents = database.open(given == null && !keys.given() ? null : keys.key(false), null);
        spec.commandLine().getErr().println("Verifying chains and state of tenant '" + consents.tenant() + "' ...");
        VerificationReport report =
                given != null ? consents.verify(given) : subject == null ? consents.verify() : consents.verify(subject);
        PrintWriter out = spec.commandLine().getOut();
        for (VerificationReport.BrokenChain b : report.brokenChains()) {
            out.printf(
                    "BROKEN subject=%s sequence=%d problem=%s first-bad-record=%s%n",
                    b.subject().value(),
                    b.sequence(),
                    b.problem(),
                    b.firstBadRecord().map(Object::toString).orElse("-"));
        }
        for (VerificationReport.CheckpointProblem p : report.checkpointProblems()) {
            out.printf(
                    "CHECKPOINT %s problem=%s checkpointed-chains=%d found-chains=%s%n",
                    p.checkpointId(),
                    p.problem(),
                    p.checkpointChains(),
                    p.foundChains() < 0 ? "-" : Long.toString(p.foundChains()));
        }
        if (given != null) {
            out.printf(
                    "CHECKPOINT %s of %s: %s%n",
                    given.id(), given.createdAt(), report.checkpointProblems().isEmpty() ? "HOLDS" : "DOES NOT HOLD");
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
