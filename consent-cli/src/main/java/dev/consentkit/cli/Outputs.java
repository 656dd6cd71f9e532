package dev.consentkit.cli;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where a command writes: a file, or standard output; long writes report progress on standard error. */
final class Outputs {

    private static final long PROGRESS_EVERY = 64L * 1024 * 1024;

    private Outputs() {
    }

    static OutputStream open(@Nullable Path file, CommandLine.Model.CommandSpec spec) throws IOException {
        ConsentCli root = (ConsentCli) spec.root().userObject();
        OutputStream target = file == null ? new FilterOutputStream(root.stdout) {
            @Override
            public void close() throws IOException {
                flush(); // never close standard output
            }
        } : Files.newOutputStream(file);
        return new BufferedOutputStream(new FilterOutputStream(target) {
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
        }, 1 << 16);
    }
}
