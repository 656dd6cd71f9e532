package dev.consentkit.cli;

import dev.consentkit.core.Checkpoint;
import dev.consentkit.core.ConsentManager;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(
        name = "checkpoint",
        mixinStandardHelpOptions = true,
        description = {
            "Sign a checkpoint of the tenant: the count of chains and a Merkle root over each one's last entry.",
            "Writes the checkpoint text to --output (or standard output) and into the checkpoint table; keep the",
            "text outside the database and later run: verify --checkpoint FILE.",
            "Covers entries recorded until now less --grace (writes in flight are left to the next one)."
        })
final class CheckpointCommand implements Callable<Integer> {

    @CommandLine.Mixin
    ConsentCli.Database database;

    @CommandLine.Mixin
    CheckpointKeyOptions keys;

    @CommandLine.Mixin
    Outputs output;

    @CommandLine.Option(
            names = "--grace",
            defaultValue = "PT1M",
            description = "Leave out entries recorded in this last stretch (default: ${DEFAULT-VALUE})")
    Duration grace;

    @Override
    public Integer call() throws IOException {
        ConsentManager consents = database.open(keys.key(true), grace);
        Checkpoint checkpoint = consents.checkpoint();
        try (OutputStream out = output.open()) {
            out.write(checkpoint.toText().getBytes(StandardCharsets.UTF_8));
        }
        output.err()
                .printf(
                        "Checkpoint %s of tenant '%s': %d chains, signed with %s key '%s'%n",
                        checkpoint.id(),
                        checkpoint.tenant(),
                        checkpoint.chainCount(),
                        checkpoint.algorithm(),
                        checkpoint.keyId());
        output.err().flush();
        return 0;
    }
}
