package dev.consentkit.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.Evidence;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.core.Source;
import dev.consentkit.jdbc.JdbcConsentStore;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Not a test: seeds a schema with {@code records} consent records over {@code subjects} subjects through
 * ConsentKit's batch path, for measuring the CLI's export and verify on large logs (docs/performance.md).
 * Arguments: JDBC URL, user, schema, records, subjects.
 */
public final class SeedDatabase {

    private SeedDatabase() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String schema = args[2];
        int records = Integer.parseInt(args[3]);
        int subjects = Integer.parseInt(args[4]);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(args[1]);
        try (HikariDataSource ds = new HikariDataSource(config)) {
            try (Connection c = ds.getConnection();
                    Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
            }
            JdbcConsentStore store =
                    JdbcConsentStore.builder().dataSource(ds).schema(schema).build();
            store.createSchemaIfMissing();
            ConsentManager consents = ConsentManager.builder()
                    .purposes(
                            Purpose.builder("marketing.email")
                                    .basis(LegalBasis.CONSENT)
                                    .title("Newsletter")
                                    .build(),
                            Purpose.builder("analytics")
                                    .basis(LegalBasis.LEGITIMATE_INTERESTS)
                                    .title("Analytics")
                                    .build())
                    .store(store)
                    .build();
            Evidence evidence = Evidence.builder()
                    .source(Source.IMPORT)
                    .collectionPoint("seed")
                    .ipAddress("203.0.113.1")
                    .userAgent("seed/1.0")
                    .build();
            long start = System.nanoTime();
            List<ConsentCommand> batch = new ArrayList<>(1000);
            for (int i = 0; i < records; i++) {
                String subject = "s-" + (i % subjects);
                String purpose = (i / subjects) % 2 == 0 ? "marketing.email" : "analytics";
                batch.add(((i / subjects) % 3 == 2
                                ? ConsentCommand.withdraw(subject, purpose)
                                : ConsentCommand.grant(subject, purpose))
                        .evidence(evidence)
                        .build());
                if (batch.size() == 1000) {
                    consents.recordAll(batch);
                    batch.clear();
                }
                if (i > 0 && i % 100_000 == 0) {
                    System.err.printf("%,d records, %.0f/s%n", i, i / ((System.nanoTime() - start) / 1e9));
                }
            }
            if (!batch.isEmpty()) {
                consents.recordAll(batch);
            }
            try (Connection c = ds.getConnection();
                    Statement st = c.createStatement()) {
                st.execute("ANALYZE " + schema + ".consent_log");
                st.execute("ANALYZE " + schema + ".consent_subject");
            }
            System.err.printf(
                    "seeded %,d records over %,d subjects in %.0f s%n",
                    records, subjects, (System.nanoTime() - start) / 1e9);
        }
    }
}
