package dev.consentkit.benchmarks;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Streams rows into one PostgreSQL {@code COPY ... FROM STDIN} (text format) in chunks of about a megabyte.
 * Values must not contain tabs, line feeds or backslashes (seeded values never do); null is written as
 * {@code \N}.
 */
final class CopyWriter implements AutoCloseable {

    private static final int CHUNK = 1 << 20;
    private final CopyIn copy;
    private final StringBuilder buffer = new StringBuilder(CHUNK + 4096);
    private boolean first = true;
    private long rows;

    CopyWriter(Connection c, String table, String columns) throws SQLException {
        this.copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + table + " (" + columns + ") FROM STDIN");
    }

    CopyWriter value(Object value) {
        if (!first) {
            buffer.append('\t');
        }
        first = false;
        buffer.append(value == null ? "\\N" : value.toString());
        return this;
    }

    void endRow() throws SQLException {
        buffer.append('\n');
        first = true;
        rows++;
        if (buffer.length() >= CHUNK) {
            flush();
        }
    }

    private void flush() throws SQLException {
        byte[] bytes = buffer.toString().getBytes(StandardCharsets.UTF_8);
        copy.writeToCopy(bytes, 0, bytes.length);
        buffer.setLength(0);
    }

    long rows() {
        return rows;
    }

    @Override
    public void close() throws SQLException {
        flush();
        copy.endCopy();
    }
}
