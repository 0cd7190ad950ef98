package org.jpar.engine.threads;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Padding before the value: fields of a superclass come first in an object. */
abstract class PaddedCounterPad0 {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

/** The value, between two 128-byte pads. */
abstract class PaddedCounterValue extends PaddedCounterPad0 {
    volatile long value;
}

/**
 * A {@code long} counter on a cache line (pair) of its own, so the receiver's writes to it do not slow senders who
 * read fields next to it; also a padded object to lock on. Plain Java ({@link VarHandle}), no
 * {@code sun.misc.Unsafe}: the layout by inheritance is JCTools' {@code PaddedAtomicLong}'s.
 */
final class PaddedCounter extends PaddedCounterValue {
    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(PaddedCounterValue.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p30, p31, p32, p33, p34, p35;

    /** @return the value (a volatile read) */
    long get() {
        return value;
    }

    /** Adds one with an ordered (release) store; only for a counter that one thread at a time writes. */
    void incrementOrdered() {
        VALUE.setRelease(this, value + 1);
    }
}
