package dev.consentkit.core.spi;

/**
 * A unit of work that runs inside one write transaction of a {@link ConsentStore}.
 *
 * @param <T> what the work returns
 */
@FunctionalInterface
public interface StoreWork<T> {

    /** Runs the work; a {@link RuntimeException} rolls the transaction back and is rethrown unchanged. */
    T run(StoreTransaction transaction);
}
