package org.jpar.bench;

import java.util.concurrent.atomic.AtomicReference;

import org.apache.fory.Fory;
import org.apache.fory.config.Language;

/**
 * The raw baseline for the threads engine: two plain Java threads handing a message over through a volatile slot
 * with a spin wait, copying arrays into the receiver's buffer and objects through Fory. What jpar's embedded engine
 * adds (matching, tags, checks, wake-ups) is its time minus this one's.
 */
public final class RawThreadsPingPong {
    private RawThreadsPingPong() {
    }

    /** Prints {@code raw-threads payload=...} lines for the same payloads as {@link PingPong}. */
    public static void run(double scale) throws InterruptedException {
        for (Payloads.Payload p : Payloads.arrays(scale)) {
            byte[] msg = (byte[]) p.value();
            double ns = measure(p.iterations(), new byte[msg.length], new byte[msg.length], msg, true, null);
            System.out.println(Payloads.line("raw-threads", p.name(), p.bytes(), ns));
        }
        Fory fory = Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(false)
                .suppressClassRegistrationWarnings(true).withRefTracking(true).build();
        for (Payloads.Payload p : Payloads.objects(scale)) {
            boolean shared = p.value() instanceof String;
            double ns = measure(p.iterations(), null, null, p.value(), false, shared ? null : fory);
            long bytes = p.bytes() >= 0 ? p.bytes() : fory.serialize(p.value()).length;
            System.out.println(Payloads.line("raw-threads", p.name(), bytes, ns));
        }
    }

    /** @return a Fory as the baseline's object ping-pong uses */
    static Fory fory() {
        return Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(false)
                .suppressClassRegistrationWarnings(true).withRefTracking(true).build();
    }

    /**
     * One side of a batch of {@code iterations} round trips of {@code msg} between two threads (ranks 0 and 1 of the
     * threads engine, in {@link PingPong}'s alternating batches) through the slots {@code toFirst} and
     * {@code toSecond}; arrays are copied into {@code buf}, objects go through {@code fory} unless it is null.
     */
    static void side(boolean first, AtomicReference<Object> toFirst, AtomicReference<Object> toSecond,
                     int iterations, Object msg, byte[] buf, Fory fory) {
        boolean arrays = buf != null;
        for (int i = 0; i < iterations; i++) {
            if (first) {
                toSecond.set(fory != null ? encodeDecode(fory, msg) : msg);
                Object m = take(toFirst);
                if (arrays) {
                    copy((byte[]) m, buf);
                }
            } else {
                Object m = take(toSecond);
                Object reply = arrays ? copy((byte[]) m, buf) : m;
                toFirst.set(fory != null ? encodeDecode(fory, reply) : reply);
            }
        }
    }

    private static double measure(int iterations, byte[] buf0, byte[] buf1, Object msg, boolean arrays, Fory fory)
            throws InterruptedException {
        AtomicReference<Object> to1 = new AtomicReference<>();
        AtomicReference<Object> to0 = new AtomicReference<>();
        double[] batches = new double[5];
        for (int b = -1; b < batches.length; b++) {
            Thread peer = new Thread(() -> {
                for (int i = 0; i < iterations; i++) {
                    Object m = take(to1);
                    Object reply = arrays ? copy((byte[]) m, buf1) : m;
                    to0.set(fory != null ? encodeDecode(fory, reply) : reply);
                }
            });
            peer.start();
            long start = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                to1.set(fory != null ? encodeDecode(fory, msg) : msg);
                Object m = take(to0);
                if (arrays) {
                    copy((byte[]) m, buf0);
                }
            }
            long t = System.nanoTime() - start;
            peer.join();
            if (b >= 0) {
                batches[b] = t / (2.0 * iterations);
            }
        }
        return Payloads.median(batches);
    }

    private static Object encodeDecode(Fory fory, Object o) {
        synchronized (fory) {
            return fory.deserialize(fory.serialize(o));
        }
    }

    private static byte[] copy(byte[] from, byte[] to) {
        System.arraycopy(from, 0, to, 0, from.length);
        return to;
    }

    private static Object take(AtomicReference<Object> slot) {
        Object m;
        while ((m = slot.getAndSet(null)) == null) {
            Thread.onSpinWait();
        }
        return m;
    }
}
