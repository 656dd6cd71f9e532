package dev.consentkit.export;

import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import java.io.OutputStream;

/**
 * Not a test by itself: exports a generated log of {@code args[0]} entries to JSON Lines and prints what it wrote,
 * run by {@link LargeExportTest} in a JVM with a small heap. Prints {@code entries=<n> lines=<n> bytes=<n>} and
 * then {@code last=} followed by the last line written.
 */
public final class LargeExport {

    private LargeExport() {}

    public static void main(String[] args) throws Exception {
        long count = Long.parseLong(args[0]);
        ConsentManager consents = ConsentManager.builder()
                .purposes(
                        Purpose.builder("marketing.email")
                                .basis(LegalBasis.CONSENT)
                                .build(),
                        Purpose.builder("analytics").basis(LegalBasis.CONSENT).build())
                .store(new GeneratedLog(count, 200_000))
                .build();
        LineCounter out = new LineCounter();
        long written = AuditExporter.of(consents).writeJsonLines(HistoryQuery.all(), out);
        System.out.printf("entries=%d lines=%d bytes=%d%n", written, out.lines, out.bytes);
        System.out.println("last=" + new String(out.lastLine(), java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Counts bytes and lines and keeps the last complete line, writing nothing anywhere. */
    static final class LineCounter extends OutputStream {
        long bytes;
        long lines;
        private final java.io.ByteArrayOutputStream current = new java.io.ByteArrayOutputStream();
        private byte[] last = new byte[0];

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    lines++;
                    last = current.toByteArray();
                    current.reset();
                } else {
                    current.write(b[i]);
                }
            }
        }

        byte[] lastLine() {
            return last;
        }
    }
}
