package dev.consentkit.cli;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * The {@code --output} option of the commands that write a document (a picocli mixin): a file, or standard
 * output; long writes report progress on standard error.
 */
final class Outputs {

    private static final long PROGRESS_EVERY = 64L * 1024 * 1024;

    @CommandLine.Option(names = "--output", description = "File to write (default: standard output)")
    @Nullable
    Path file;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.@Nullable CommandSpec spec;

    /** Standard error of the command, for counts and progress. */
    java.io.PrintWriter err() {
        return spec().commandLine().getErr();
    }

    private CommandLine.Model.CommandSpec spec() {
        if (spec == null) {
            throw new IllegalStateException("picocli did not inject the command spec");
        }
        return spec;
    }

    /** Opens the file or standard output (which closing leaves open). */
    OutputStream open() throws IOException {
        CommandLine.Model.CommandSpec spec = spec();
        ConsentCli root = (ConsentCli) spec.root().userObject();
        OutputStream target = file == null
                ? new FilterOutputStream(root.stdout) {
                    @Override
                    public void close() throws IOException {
                        flush(); // never close standard output
                    }
                }
                : Files.newOutputStream(file);
        return new BufferedOutputStream(
                new FilterOutputStream(target) {
                    private long written;
                    private long nextReport = PROGRESS_EVERY;

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                        written += len;
                        if (written >= nextReport) {
                            spec.commandLine().getErr().println("... " + (written >> 20) + " MiB written");
                            nextReport += PROGRESS_EVERY;
                        }
                    }
                },
                1 << 16);
    }
}
