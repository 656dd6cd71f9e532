package dev.consentkit.jdbc.internal;

import org.jspecify.annotations.Nullable;

/**
 * Internal API; may change without notice. The qualified names of ConsentKit's tables for one schema and prefix.
 *
 * @param qualifiedPrefix what precedes every table name: {@code schema.prefix}, or the prefix alone
 * @param prefix          the prefix alone, which constraint and index names carry
 */
public record Tables(String qualifiedPrefix, String prefix) {

    /** The tables in {@code schema} (the connection's when null or empty) whose names start with {@code prefix}. */
    public static Tables of(@Nullable String schema, String prefix) {
        return new Tables(schema == null || schema.isEmpty() ? prefix : schema + "." + prefix, prefix);
    }

    public String purpose() {
        return qualifiedPrefix + "purpose";
    }

    public String log() {
        return qualifiedPrefix + "log";
    }

    public String subject() {
        return qualifiedPrefix + "subject";
    }

    public String state() {
        return qualifiedPrefix + "state";
    }

    public String preference() {
        return qualifiedPrefix + "preference";
    }

    public String checkpoint() {
        return qualifiedPrefix + "checkpoint";
    }

    public String outbox() {
        return qualifiedPrefix + "outbox";
    }

    public String outboxPartition() {
        return qualifiedPrefix + "outbox_partition";
    }

    public String webhookDelivery() {
        return qualifiedPrefix + "webhook_delivery";
    }
}
