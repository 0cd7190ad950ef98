package org.jpar.job;

import java.util.ArrayList;
import java.util.List;

import org.jpar.JparException;
import org.jpar.spi.LayerTrace;
import org.jpar.Communicator;
import org.jpar.spi.LayerChannel;
import org.jpar.spi.LayerCodec;

/**
 * What every rank but the master does inside {@code new Pool()} / {@code new JobServer()}: receive work from rank 0,
 * run it, send the outcomes back, until told to stop. A task that throws fails its job only. A fatal error (see
 * {@link Failures#isFatal}) kills this worker: it tells the master, which reschedules its unfinished jobs on the
 * others, and leaves; the rank goes on with its program.
 */
final class Serve {
    /** Outcomes of a long batch are sent back at least this often, so the master hears of them (and journals them). */
    private static final long FLUSH_NANOS = 20_000_000;

    private Serve() {
    }

    static void serve(Communicator world, ClassLoader loader) {
        try (LayerChannel t = LayerChannel.open(world, Wire.LAYER, Wire.SLOT)) {
            serve(t, new LayerCodec(loader));
        }
    }

    private static void serve(LayerChannel t, LayerCodec codec) {
        Wire.warmUp(codec);
        t.send(Wire.hello(), 0, Wire.TAG_RESULT);
        while (true) {
            Object m = t.receive(0, Wire.TAG_WORK).value();
            if (m == Wire.Signal.STOP) {
                return;
            }
            Wire.Work w = (Wire.Work) m;
            List<Wire.Outcome> out = new ArrayList<>();
            long lastFlush = System.nanoTime();
            for (int k = 0; k < w.units().length; k++) {
                Wire.Outcome o;
                try {
                        o = run(t, codec, w.units()[k], w.calls()[k], w.items()[k]);
                } catch (Throwable fatal) {
                    t.send(new Wire.Results(out.toArray(new Wire.Outcome[0]), Failures.describe(fatal)), 0,
                            Wire.TAG_RESULT);
                    return;
                }
                out.add(o);
                long now = System.nanoTime();
                if (k < w.units().length - 1 && now - lastFlush > FLUSH_NANOS) {
                    t.send(new Wire.Results(out.toArray(new Wire.Outcome[0]), null), 0, Wire.TAG_RESULT);
                    out.clear();
                    lastFlush = now;
                }
            }
            t.send(new Wire.Results(out.toArray(new Wire.Outcome[0]), null), 0, Wire.TAG_RESULT);
        }
    }

    /** Runs one unit. @throws Throwable only a fatal error, which kills this worker */
    private static Wire.Outcome run(LayerChannel t, LayerCodec codec, long unit, byte[] bytes, int items)
            throws Throwable {
        long start = System.nanoTime();
        byte[][] values = new byte[items][];
        byte[][] failures = new byte[items][];
        Wire.Call call;
        try {
            call = (Wire.Call) codec.decode(bytes);
        } catch (Throwable e) {
            Failures.rethrowIfFatal(e);
            byte[] f = Failures.encode(new JparException("the task cannot be decoded on rank " + t.rank() + ": "
                    + Failures.describe(e), e));
            for (int i = 0; i < items; i++) {
                failures[i] = f;
            }
            return new Wire.Outcome(unit, System.nanoTime() - start, values, failures);
        }
        for (int i = 0; i < items; i++) {
            Object value;
            try {
                value = Wire.run(call.fn(), call.each() ? new Object[] {call.args()[i]} : call.args());
            } catch (Throwable e) {
                Failures.rethrowIfFatal(e);
                failures[i] = Failures.encode(e);
                continue;
            }
            try {
                values[i] = codec.encode(value);
            } catch (Throwable e) {
                Failures.rethrowIfFatal(e);
                failures[i] = Failures.encode(new JparException("its result (a " + value.getClass().getName()
                        + ") cannot be sent back from rank " + t.rank() + ": " + Failures.describe(e), e));
            }
        }
        LayerTrace.span(t.rank(), "task (unit " + unit + ", " + items + " job" + (items == 1 ? ")" : "s)"), start);
        return new Wire.Outcome(unit, System.nanoTime() - start, values, failures);
    }
}
