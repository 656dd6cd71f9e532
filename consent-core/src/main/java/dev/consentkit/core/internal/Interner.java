package dev.consentkit.core.internal;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Internal API; may change without notice. Shares equal immutable values (evidence, purpose ids) between the rows
 * of a store without growing: a fixed number of slots by hash, each remembering the last value put there. A value
 * whose slot holds an equal one is replaced by that one; otherwise it takes the slot. Equal values therefore
 * usually, not always, end up as one instance, which is all sharing needs; nothing is ever held beyond the slots.
 *
 * @param <T> the type of the values; immutable, with value equality
 */
public final class Interner<T> {

    private final AtomicReferenceArray<T> slots;
    private final int mask;

    /** An interner with {@code 2^bits} slots. */
    public Interner(int bits) {
        this.slots = new AtomicReferenceArray<>(1 << bits);
        this.mask = (1 << bits) - 1;
    }

    /** An instance equal to {@code value}: the one remembered in its slot if equal, else {@code value}. */
    public T intern(T value) {
        int h = value.hashCode();
        int slot = (h ^ (h >>> 16)) & mask;
        T known = slots.get(slot);
        if (known != null && known.equals(value)) {
            return known;
        }
        slots.set(slot, value);
        return value;
    }
}
