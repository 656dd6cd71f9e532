package dev.consentkit.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.consentkit.core.Checkpoint;
import dev.consentkit.core.ConsentCommand;
import dev.consentkit.core.ConsentManager;
import dev.consentkit.spring.internal.CheckpointScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.PayloadApplicationEvent;

/** The consentkit.checkpoint.* properties: the key the manager signs with, and the scheduled checkpoint. */
class CheckpointAutoConfigurationTest {

    private static final String SECRET = "consentkit.checkpoint.hmac-secret=a shared secret of at least 32 bytes!";

    // an hour behind, so that a checkpoint taken now covers what the test records
    private final ApplicationContextRunner memory = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConsentKitAutoConfiguration.class))
            .withPropertyValues(ConsentKitAutoConfigurationTest.TWO_PURPOSES)
            .withBean(Clock.class, () -> Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)));

    @Test
    void anHmacSecretSignsTheManagersCheckpoints() {
        memory.withPropertyValues(SECRET, "consentkit.checkpoint.key-id=shared-1")
                .run(context -> {
                    ConsentManager consents = context.getBean(ConsentManager.class);
                    consents.record(
                            ConsentCommand.grant("cust-1", "marketing.email").build());

                    Checkpoint checkpoint = consents.checkpoint();

                    assertThat(checkpoint.algorithm()).isEqualTo("HmacSHA256");
                    assertThat(checkpoint.keyId()).isEqualTo("shared-1");
                    assertThat(consents.verify(checkpoint).intact()).isTrue();
                    assertThat(context).doesNotHaveBean(CheckpointScheduler.class);
                });
    }

    @Test
    void theGraceLeavesOutWhatWasRecordedWithinIt() {
        memory.withPropertyValues(SECRET, "consentkit.checkpoint.grace=2h").run(context -> {
            ConsentManager consents = context.getBean(ConsentManager.class);
            consents.record(ConsentCommand.grant("cust-1", "marketing.email").build()); // an hour ago

            assertThat(consents.checkpoint().chainCount()).isZero();
        });
    }

    @Test
    void ed25519KeyFilesSignTheManagersCheckpoints(@TempDir Path dir) throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path privateKey = Files.writeString(
                dir.resolve("k.pem"),
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder()
                                .encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        Path publicKey = Files.writeString(
                dir.resolve("k.pub.pem"),
                "-----BEGIN PUBLIC KEY-----\n"
                        + Base64.getMimeEncoder()
                                .encodeToString(pair.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");

        memory.withPropertyValues(
                        "consentkit.checkpoint.ed25519-private-key=file:" + privateKey,
                        "consentkit.checkpoint.ed25519-public-key=file:" + publicKey)
                .run(context -> {
                    Checkpoint checkpoint =
                            context.getBean(ConsentManager.class).checkpoint();
                    assertThat(checkpoint.algorithm()).isEqualTo("Ed25519");
                    assertThat(checkpoint.keyId()).isEqualTo("consentkit");
                });
    }

    @Test
    void anIntervalSchedulesCheckpointsThatArePublishedAsEvents() {
        BlockingQueue<Checkpoint> published = new ArrayBlockingQueue<>(100);
        memory.withPropertyValues(SECRET, "consentkit.checkpoint.interval=50ms")
                .withBean("checkpointListener", ApplicationListener.class, () ->
                        (ApplicationListener<PayloadApplicationEvent<Checkpoint>>) e -> published.offer(e.getPayload()))
                .run(context -> {
                    assertThat(context.getBean(CheckpointScheduler.class).interval())
                            .isEqualTo(Duration.ofMillis(50));

                    Checkpoint first = published.poll(30, TimeUnit.SECONDS);

                    assertThat(first).isNotNull();
                    assertThat(context.getBean(ConsentManager.class).store().checkpoints("default"))
                            .contains(first);
                });
    }

    @Test
    void anIntervalWithoutASigningKeyFailsTheStart() {
        memory.withPropertyValues("consentkit.checkpoint.interval=1h")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasMessageContaining("consentkit.checkpoint.interval needs a signing key"));
        memory.withPropertyValues(SECRET, "consentkit.checkpoint.interval=0s")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasMessageContaining("consentkit.checkpoint.interval must be positive"));
        memory.withPropertyValues("consentkit.checkpoint.hmac-secret=short")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasMessageContaining("consentkit.checkpoint.secret must be at least 32 bytes"));
    }
}
