package dev.consentkit.core.spi;

import dev.consentkit.core.ConsentRecord;
import dev.consentkit.core.internal.Checks;
import java.util.Optional;

/**
 * A consent record found by its idempotency key, with the digest of the command that wrote it.
 *
 * @param record        the record that carries the key
 * @param commandDigest the SHA-256 hex digest of the command stored with the key; empty for records written before
 *                      the store kept digests (such a key matches by the key alone)
 */
public record KeyedRecord(ConsentRecord record, Optional<String> commandDigest) {
    public KeyedRecord {
        Checks.notNull(record, "keyedRecord.record");
        Checks.notNull(commandDigest, "keyedRecord.commandDigest");
    }
}
