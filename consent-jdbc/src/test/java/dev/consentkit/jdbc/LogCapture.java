package dev.consentkit.jdbc;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * Captures all log output while open, as well as passing it on: standard error, where the test logging backend
 * (slf4j-simple: ConsentKit, HikariCP, the MariaDB driver) writes, and java.util.logging from the root logger
 * (the PostgreSQL and H2 drivers), at every level the loggers are enabled for.
 */
final class LogCapture implements AutoCloseable {

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream originalErr = System.err;
    private final Handler jul;

    private LogCapture() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (captured) {
                    captured.write(b);
                }
                originalErr.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                    captured.write(b, off, len);
                }
                originalErr.write(b, off, len);
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        SimpleFormatter format = new SimpleFormatter();
        jul = new Handler() {
            @Override
            public void publish(LogRecord r) {
                byte[] line = format.format(r).getBytes(StandardCharsets.UTF_8);
                synchronized (captured) {
                    captured.write(line, 0, line.length);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        jul.setLevel(Level.ALL);
        java.util.logging.Logger.getLogger("").addHandler(jul);
    }

    static LogCapture start() {
        return new LogCapture();
    }

    /** Everything logged so far. */
    String text() {
        System.err.flush();
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        System.err.flush();
        System.setErr(originalErr);
        java.util.logging.Logger.getLogger("").removeHandler(jul);
    }
}
