package dev.consentkit.cli;

import dev.consentkit.core.CheckpointKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The checkpoint key options (a picocli mixin): an Ed25519 key pair or public key in PEM files, or an HMAC secret in a
 * file, with the key id the checkpoints carry. An HMAC secret file holds the secret as text (UTF-8; a final line end
 * is not part of it), the same text as Spring's {@code consentkit.checkpoint.hmac-secret}.
 */
final class CheckpointKeyOptions {

    @Option(names = "--key-id", description = "The checkpoint key's id")
    @Nullable
    String keyId;

    @Option(names = "--ed25519-private-key", description = "Ed25519 private key, PKCS#8 PEM file (signs)")
    @Nullable
    Path privateKey;

    @Option(names = "--ed25519-public-key", description = "Ed25519 public key, X.509 PEM file (verifies)")
    @Nullable
    Path publicKey;

    @Option(names = "--hmac-secret-file", description = "File holding the HMAC-SHA256 secret (signs and verifies)")
    @Nullable
    Path hmacSecret;

    /** Whether any key option was given. */
    boolean given() {
        return privateKey != null || publicKey != null || hmacSecret != null;
    }

    /** The key the options name; {@code signing} demands one that can sign. */
    CheckpointKey key(boolean signing) {
        String id = keyId;
        if (id == null) {
            throw new IllegalStateException("--key-id is required with a checkpoint key");
        }
        if (hmacSecret != null) {
            if (privateKey != null || publicKey != null) {
                throw new IllegalStateException("give either an Ed25519 key or --hmac-secret-file, not both");
            }
            return CheckpointKey.hmac(read(hmacSecret).stripTrailing().getBytes(StandardCharsets.UTF_8), id);
        }
        if (publicKey == null) {
            throw new IllegalStateException(
                    "a checkpoint key is required: --ed25519-public-key (with --ed25519-private-key to sign)"
                            + " or --hmac-secret-file");
        }
        var pub = CheckpointKey.readEd25519PublicKey(read(publicKey));
        if (privateKey == null) {
            if (signing) {
                throw new IllegalStateException("signing a checkpoint needs --ed25519-private-key");
            }
            return CheckpointKey.ed25519Verifier(pub, id);
        }
        return CheckpointKey.ed25519(CheckpointKey.readEd25519PrivateKey(read(privateKey)), pub, id);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.getFileName(), e);
        }
    }
}
