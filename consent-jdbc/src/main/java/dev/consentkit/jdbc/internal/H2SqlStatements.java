package dev.consentkit.jdbc.internal;

/** Internal API; may change without notice. H2: what differs from {@link SqlStatements}. */
final class H2SqlStatements extends SqlStatements {

    H2SqlStatements(Tables tables) {
        super(tables);
    }

    /** H2 has no {@code SKIP LOCKED}: run one relay. */
    @Override
    protected String outboxLock() {
        return "";
    }
}
