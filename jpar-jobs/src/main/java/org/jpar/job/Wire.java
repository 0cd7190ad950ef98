package org.jpar.job;

import org.jpar.spi.LayerChannel;
import org.jpar.spi.LayerCodec;

/**
 * The job layer's messages between the master (rank 0) and the ranks that serve, on two tags of the job layer's own
 * {@link LayerChannel} (slot {@link #SLOT}). Tasks and results travel as bytes encoded by the sender's
 * {@link LayerCodec}, one piece per unit of work,
 * so a task or result that cannot be encoded or decoded fails its own job only, never the server.
 */
final class Wire {
    /** The job layer's name and slot on {@link LayerChannel}. */
    static final String LAYER = "jpar.job";
    static final int SLOT = 0;
    /** Master to worker: {@link Work} or {@link Signal#STOP}. */
    static final int TAG_WORK = 0;
    /** Worker to master: {@link #hello()}, then {@link Results}; the master to itself: {@link Signal#WAKE}. */
    static final int TAG_RESULT = 1;

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
        /** Master to worker: the server is closed, leave. */
        STOP,
        /** Master to itself: look at the state again (it is closing). */
        WAKE
    }

    /**
     * @return what a worker sends first, meaning "this rank serves now" (work is sent only to ranks that said so): a
     *         {@link Results} with one outcome of no unit, so that both transports' codecs meet the type early
     */
    static Results hello() {
        return new Results(new Outcome[] {new Outcome(-1, 0, new byte[0][], new byte[0][])}, null);
    }

    /**
     * Encodes and decodes each kind of message once (a call of a lambda included), so that the first real ones do not
     * pay for the codec's start (on a fresh JVM, the better part of a second).
     */
    static void warmUp(LayerCodec... codecs) {
        Task<Object, Object> task = Wire::identity;
        Object[] samples = {new Call(task, new Object[] {1}, false),
            new Work(new long[] {0}, new byte[][] {new byte[1]}, new int[] {1}), hello()};
        for (LayerCodec codec : codecs) {
            for (Object m : samples) {
                codec.decode(codec.encode(m));
            }
        }
    }

    private static Object identity(Object x) {
        return x;
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
