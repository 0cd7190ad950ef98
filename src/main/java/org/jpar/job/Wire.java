package org.jpar.job;

import org.jpar.spi.Transport;

/**
 * The job layer's messages between the master (rank 0) and the ranks that serve, on two internal tags. Tasks and
 * results travel as bytes encoded by the sender's {@link org.jpar.internal.ObjectCodec}, one piece per unit of work,
 * so a task or result that cannot be encoded or decoded fails its own job only, never the server.
 */
final class Wire {
    /** Master to worker: {@link Work} or {@link Signal#STOP}. */
    static final int TAG_WORK = Transport.INTERNAL_TAG_BASE - 16;
    /** Worker to master: {@link Signal#HELLO}, then {@link Results}; the master to itself: {@link Signal#WAKE}. */
    static final int TAG_RESULT = Transport.INTERNAL_TAG_BASE - 17;

    private Wire() {
    }

    /**
     * A unit of work as it travels: {@code fn} applied to {@code args} (one call), or, when {@code each}, to every
     * element of {@code args} in turn (a chunk of a map).
     */
    record Call(Object fn, Object[] args, boolean each) {
        int items() {
            return each ? args.length : 1;
        }
    }

    /** Units for one worker: their ids, each one's encoded {@link Call}, and each one's number of items. */
    record Work(long[] units, byte[][] calls, int[] items) {
    }

    /**
     * What came of one unit: per item, either its encoded value or its encoded failure ({@link Failures}); and how
     * long the unit ran on the worker.
     */
    record Outcome(long unit, long nanos, byte[][] values, byte[][] failures) {
    }

    /** Outcomes from one worker; {@code death} is non-null when the worker is leaving (a fatal error, described). */
    record Results(Outcome[] outcomes, String death) {
    }

    /** Control messages. */
    enum Signal {
        /** Worker to master: this rank serves now (work is sent only to ranks that said so). */
        HELLO,
        /** Master to worker: the server is closed, leave. */
        STOP,
        /** Master to itself: look at the state again (it is closing). */
        WAKE
    }

    /** Runs one call of {@code fn}. */
    @SuppressWarnings("unchecked")
    static Object run(Object fn, Object[] args) throws Exception {
        if (fn instanceof Task<?, ?> t) {
            return ((Task<Object, ?>) t).apply(args[0]);
        }
        if (fn instanceof BiTask<?, ?, ?> t) {
            return ((BiTask<Object, Object, ?>) t).apply(args[0], args[1]);
        }
        if (fn instanceof CallableTask<?> t) {
            return t.call();
        }
        throw new IllegalArgumentException("not a task: " + (fn == null ? "null" : fn.getClass().getName()));
    }
}
