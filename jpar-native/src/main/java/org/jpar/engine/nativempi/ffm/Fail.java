package org.jpar.engine.nativempi.ffm;

/** Turns what a method handle may throw into an unchecked throwable. */
final class Fail {
    private Fail() {
    }

    static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
