package dev.consentkit.cli;

import static dev.consentkit.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.cli.CliTest.Result;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.core.LegalBasis;
import dev.consentkit.core.Purpose;
import dev.consentkit.jdbc.JdbcConsentStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code checkpoint} and {@code verify --checkpoint} against an H2 database whose entries were written a while ago. */
class CheckpointCliTest {

    @TempDir
    Path dir;

    private String url;
    private Path privatePem;
    private Path publicPem;
    private Path hmacFile;

    @BeforeEach
    void database() throws Exception {
        url = "jdbc:h2:mem:cp" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1";
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        JdbcConsentStore store = JdbcConsentStore.builder().dataSource(ds).build();
        store.createSchemaIfMissing();
        // an hour ago, so that a checkpoint taken now covers these entries
        ConsentManager consents = ConsentManager.builder()
                .purposes(Purpose.builder("marketing.email")
                        .basis(LegalBasis.CONSENT)
                        .title("Newsletter")
                        .build())
                .store(store)
                .clock(Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)))
                .build();
        consents.record(ConsentCommand.grant("alice", "marketing.email").build());
        consents.record(ConsentCommand.withdraw("alice", "marketing.email").build());
        consents.record(ConsentCommand.grant("bob", "marketing.email").build());

        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        privatePem = pem(dir.resolve("k.pem"), "PRIVATE KEY", pair.getPrivate().getEncoded());
        publicPem = pem(dir.resolve("k.pub.pem"), "PUBLIC KEY", pair.getPublic().getEncoded());
        hmacFile = Files.writeString(dir.resolve("secret.txt"), "a shared secret of at least 32 bytes!\n");
    }

    private static Path pem(Path file, String type, byte[] der) throws Exception {
        return Files.writeString(
                file,
                "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + type
                        + "-----\n");
    }

    private String[] with(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--url");
        all.add(url);
        return all.toArray(String[]::new);
    }

    private Path signEd25519() {
        Path file = dir.resolve("cp.txt");
        Result r = cli(with(
                "checkpoint",
                "--key-id",
                "audit-2026",
                "--ed25519-private-key",
                privatePem.toString(),
                "--ed25519-public-key",
                publicPem.toString(),
                "--output",
                file.toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("2 chains, signed with Ed25519 key 'audit-2026'");
        return file;
    }

    private Result verifyEd25519(Path checkpoint) {
        return cli(with(
                "verify",
                "--checkpoint",
                checkpoint.toString(),
                "--key-id",
                "audit-2026",
                "--ed25519-public-key",
                publicPem.toString()));
    }

    private void sql(String statement) throws SQLException {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.executeUpdate(statement);
        }
    }

    @Test
    void theAuditorVerifiesWithThePublicKeyAlone() throws Exception {
        Path checkpoint = signEd25519();
        assertThat(Files.readString(checkpoint))
                .startsWith("ConsentKit checkpoint v1\n")
                .contains("chain-count=2");

        Result r = verifyEd25519(checkpoint);

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("HOLDS").contains("INTACT: 3 records in 2 chains checked, 0 broken");
    }

    @Test
    void verifyExitsOneWhenAChainWasDeletedWithItsHeadAndState() throws Exception {
        Path checkpoint = signEd25519();
        sql("DELETE FROM consent_state WHERE subject = 'bob'");
        sql("DELETE FROM consent_log WHERE subject = 'bob'");
        sql("DELETE FROM consent_subject WHERE subject = 'bob'");
        assertThat(cli(with("verify")).exit()).as("the chains alone agree").isZero();

        Result r = verifyEd25519(checkpoint);

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out())
                .contains("problem=CHAIN_MISSING checkpointed-chains=2 found-chains=1")
                .contains("DOES NOT HOLD")
                .startsWith("CHECKPOINT ");
    }

    @Test
    void anAlteredCheckpointFileIsRefusedWithExitOne() throws Exception {
        String[] sign = with("checkpoint", "--key-id", "shared", "--hmac-secret-file", hmacFile.toString());
        Result signed = cli(sign);
        assertThat(signed.exit()).as(signed.err()).isZero();
        Path altered =
                Files.writeString(dir.resolve("altered.txt"), signed.out().replace("chain-count=2", "chain-count=1"));

        Result r = cli(with(
                "verify",
                "--checkpoint",
                altered.toString(),
                "--key-id",
                "shared",
                "--hmac-secret-file",
                hmacFile.toString()));

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("problem=CHECKPOINT_SIGNATURE_INVALID");
    }

    @Test
    void aMalformedCheckpointFileOrAMissingKeyIsAUsageError() throws Exception {
        Path bad = Files.writeString(
                dir.resolve("bad.txt"), "ConsentKit checkpoint v1\ntenant=default\n", StandardCharsets.UTF_8);

        Result malformed = verifyEd25519(bad);
        Result keyless = cli(with("verify", "--checkpoint", signEd25519().toString()));
        Result cannotSign = cli(with("checkpoint", "--key-id", "k", "--ed25519-public-key", publicPem.toString()));

        assertThat(malformed.exit()).isEqualTo(2);
        assertThat(malformed.err()).contains("checkpoint.id is missing");
        assertThat(keyless.exit()).isEqualTo(2);
        assertThat(keyless.err()).contains("--key-id is required");
        assertThat(cannotSign.exit()).isEqualTo(2);
        assertThat(cannotSign.err()).contains("needs --ed25519-private-key");
    }
}
