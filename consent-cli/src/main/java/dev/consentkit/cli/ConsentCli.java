package dev.consentkit.cli;

import dev.consentkit.core.CheckpointKey;
import dev.consentkit.core.ConsentException;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.ConsentManagerBuilder;
import dev.consentkit.core.ConsentStoreException;
import dev.consentkit.core.HistoryQuery;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.SubjectId;
import dev.consentkit.jdbc.JdbcConsentStore;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code consentkit}: an auditor's tool that opens a ConsentKit database read-only in spirit (it writes nothing but
 * the checkpoints its {@code checkpoint} command signs) and verifies chains and checkpoints, exports history, subject
 * access documents and receipts, and prints statistics. Exit codes: 0 success (for {@code verify}: every chain, and
 * the checkpoint if given, verifies), 1 a chain is broken or the checkpoint does not hold, 2 a usage or connection
 * error.
 */
@Command(
        name = "consentkit",
        mixinStandardHelpOptions = true,
        version = "consentkit 0.1.0",
        description = {
            "Verify and export a ConsentKit consent log straight from its database.",
            "Connects by JDBC URL; the PostgreSQL, MariaDB/MySQL and H2 drivers are included."
        },
        subcommands = {
            VerifyCommand.class,
            CheckpointCommand.class,
            ExportCommand.class,
            SubjectExportCommand.class,
            ReceiptsCommand.class,
            StatsCommand.class
        },
        footer = {
            "",
            "Examples:",
            "  consentkit verify --url jdbc:postgresql://db/app --user auditor",
            "  consentkit checkpoint --url jdbc:postgresql://db/app --key-id k1 --ed25519-private-key k.pem \\",
            "      --ed25519-public-key k.pub.pem --output cp.txt",
            "  consentkit verify --url jdbc:postgresql://db/app --checkpoint cp.txt --key-id k1 \\",
            "      --ed25519-public-key k.pub.pem",
            "  consentkit export --url jdbc:postgresql://db/app --format csv --output log.csv",
            "  consentkit subject-export --url jdbc:h2:./consent --subject cust-42",
            "The password comes from --password (prompted when given without a value) or CONSENTKIT_DB_PASSWORD."
        })
public final class ConsentCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where exports go when no --output is given. */
    final PrintStream stdout;

    private ConsentCli(PrintStream stdout) {
        this.stdout = stdout;
    }

    /** Runs the tool and exits with its exit code. */
    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /** Runs the tool with the given streams; returns the exit code. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cli = new CommandLine(new ConsentCli(out));
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("consentkit: " + describe(e));
            return 2;
        });
        return cli.execute(args);
    }

    private static String describe(Exception e) {
        if (e instanceof ConsentStoreException s && s.getCause() instanceof SQLException sql) {
            return "the database refused " + s.operation() + " (SQLState " + sql.getSQLState() + "): "
                    + firstLine(sql.getMessage());
        }
        if (e instanceof ConsentException
                || e instanceof IllegalStateException
                || e instanceof IllegalArgumentException) {
            return Objects.toString(e.getMessage(), e.toString());
        }
        return e.toString();
    }

    private static String firstLine(@Nullable String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** How to reach the database; shared by every command. */
    static final class Database {
        @Option(names = "--url", required = true, description = "JDBC URL, e.g. jdbc:postgresql://host/db")
        String url;

        @Option(names = "--user", description = "Database user")
        @Nullable
        String user;

        @Option(
                names = "--password",
                arity = "0..1",
                interactive = true,
                defaultValue = "${env:CONSENTKIT_DB_PASSWORD}",
                description = "Password (default: $CONSENTKIT_DB_PASSWORD)")
        @Nullable
        String password;

        @Option(names = "--schema", description = "Schema (PostgreSQL, H2) or database (MariaDB) of the tables")
        @Nullable
        String schema;

        @Option(
                names = "--table-prefix",
                defaultValue = "consent_",
                description = "Table prefix (default: ${DEFAULT-VALUE})")
        String tablePrefix;

        @Option(names = "--tenant", defaultValue = "default", description = "Tenant (default: ${DEFAULT-VALUE})")
        String tenant;

        /** Connects, reads the saved purposes and builds a manager on the store. */
        ConsentManager open() {
            return open(null, null);
        }

        /** {@link #open()} with a checkpoint key and grace, when given. */
        ConsentManager open(@Nullable CheckpointKey checkpointKey, @Nullable Duration checkpointGrace) {
            return open(checkpointKey, checkpointGrace, UnaryOperator.identity());
        }

        /**
         * {@link #open()}, each saved purpose version passed through {@code declare} first: for declarations the
         * purpose table does not keep, such as recipients.
         */
        ConsentManager open(UnaryOperator<Purpose> declare) {
            return open(null, null, declare);
        }

        private ConsentManager open(
                @Nullable CheckpointKey checkpointKey,
                @Nullable Duration checkpointGrace,
                UnaryOperator<Purpose> declare) {
            JdbcConsentStore store;
            try {
                store = JdbcConsentStore.builder()
                        .dataSource(dataSource())
                        .schema(schema)
                        .tablePrefix(tablePrefix)
                        .build();
            } catch (ConsentStoreException e) {
                throw new IllegalStateException("cannot connect to " + redacted() + ": " + cause(e), e);
            }
            List<Purpose> purposes;
            try {
                purposes = store.savedPurposes(tenant);
            } catch (ConsentStoreException e) {
                throw new IllegalStateException(
                        "no ConsentKit tables with prefix '" + tablePrefix + "' at " + redacted() + " (" + cause(e)
                                + ")",
                        e);
            }
            if (purposes.isEmpty()) {
                throw new IllegalStateException("no purposes are saved for tenant '" + tenant + "' at " + redacted());
            }
            ConsentManagerBuilder builder = ConsentManager.builder()
                    .purposes(purposes.stream().map(declare).toList())
                    .store(store)
                    .tenant(tenant);
            if (checkpointKey != null) {
                builder.checkpointKey(checkpointKey);
            }
            if (checkpointGrace != null) {
                builder.checkpointGrace(checkpointGrace);
            }
            return builder.build();
        }

        private String redacted() {
            int query = url.indexOf('?');
            return query < 0 ? url : url.substring(0, query);
        }

        private static String cause(ConsentStoreException e) {
            return e.getCause() instanceof SQLException sql
                    ? "SQLState " + sql.getSQLState() + ", " + firstLine(sql.getMessage())
                    : Objects.toString(e.getMessage(), e.toString());
        }

        private DataSource dataSource() {
            return new DriverManagerDataSource(url, user, password);
        }
    }

    /** Filters shared by the exporting commands. */
    static final class Filters {
        @Option(names = "--subject", description = "Only this subject")
        @Nullable
        String subject;

        @Option(names = "--purpose", description = "Only these purposes (repeatable)")
        List<String> purposes = new ArrayList<>();

        @Option(names = "--from", description = "Recorded at or after this instant, e.g. 2026-01-01T00:00:00Z")
        @Nullable
        Instant from;

        @Option(names = "--to", description = "Recorded before this instant")
        @Nullable
        Instant to;

        HistoryQuery query() {
            HistoryQuery.Builder b = HistoryQuery.builder().recordedFrom(from).recordedTo(to);
            if (subject != null) {
                b.subject(SubjectId.of(subject));
            }
            purposes.forEach(b::purpose);
            return b.build();
        }
    }

    /** A DataSource over {@link DriverManager}: the tool opens few connections and needs no pool. */
    private record DriverManagerDataSource(
            String url, @Nullable String user, @Nullable String password) implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            return user == null ? DriverManager.getConnection(url) : DriverManager.getConnection(url, user, password);
        }

        @Override
        public Connection getConnection(String username, String pw) throws SQLException {
            return DriverManager.getConnection(url, username, pw);
        }

        @Override
        public PrintWriter getLogWriter() {
            return new PrintWriter(System.err);
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {
            DriverManager.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() {
            return DriverManager.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getLogger("dev.consentkit.cli");
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
