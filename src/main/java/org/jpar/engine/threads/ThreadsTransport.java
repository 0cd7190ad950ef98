package org.jpar.engine.threads;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

import org.jpar.Envelope;
import org.jpar.JparException;
import org.jpar.Request;
import org.jpar.internal.ObjectCodec;
import org.jpar.internal.PrimitiveArrays;
import org.jpar.spi.Transport;

/** One embedded rank's endpoint: sends go straight into the receiver's {@link Mailbox}. */
final class ThreadsTransport implements Transport {
    private static final Set<Class<?>> IMMUTABLE = Set.of(String.class, Integer.class, Long.class, Double.class,
            Float.class, Short.class, Byte.class, Character.class, Boolean.class, BigInteger.class, BigDecimal.class,
            UUID.class);
    private static final Request<Void> DONE_SEND = new Request<>() {
        @Override
        public Void await() {
            return null;
        }

        @Override
        public Envelope<Void> awaitEnvelope() {
            return new Envelope<>(null, -1, -1, 0);
        }

        @Override
        public boolean isDone() {
            return true;
        }
    };

    private final ThreadsJob job;
    private final int rank;
    private final ClassLoader loader;
    private volatile ObjectCodec codec;
    private volatile boolean closed;

    ThreadsTransport(ThreadsJob job, int rank, ClassLoader loader) {
        this.job = job;
        this.rank = rank;
        this.loader = loader;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return job.size;
    }

    @Override
    public String processorName() {
        return job.hostName;
    }

    @Override
    public String engineName() {
        return ThreadsEngine.NAME;
    }

    @Override
    public void send(Object message, int dest, int tag) {
        job.checkRunning();
        Mailbox box = job.mailbox(dest);
        Pending p = box.matchPosted(rank, tag);
        if (p != null) {
            p.complete(direct(message, tag, p.buffer));
        } else {
            Msg m = prepare(message, tag);
            p = box.matchOrEnqueue(m);
            if (p != null) {
                p.complete(m);
            }
        }
        job.progress(rank);
    }

    @Override
    public Envelope<Object> receive(int source, int tag, Object buffer) {
        job.checkRunning();
        Pending p = new Pending(this, source, tag, buffer);
        Msg m = job.mailbox(rank).takeOrPost(p);
        if (m == null) {
            m = await(p);
        }
        return open(m, p);
    }

    @Override
    public Request<Void> isend(Object message, int dest, int tag) {
        send(message, dest, tag);
        return DONE_SEND;
    }

    @Override
    public Request<Object> ireceive(int source, int tag, Object buffer) {
        job.checkRunning();
        Pending p = new Pending(this, source, tag, buffer);
        Msg m = job.mailbox(rank).takeOrPost(p);
        if (m != null) {
            p.msg = m;
        }
        return p;
    }

    @Override
    public void close() {
        closed = true;
    }

    boolean isClosed() {
        return closed;
    }

    /** Waits for {@code p}: spins briefly (when ranks have cores to spare), then parks until a sender wakes it. */
    Msg await(Pending p) {
        Msg m = p.msg;
        if (m != null) {
            return m;
        }
        long spin = job.spinNanos;
        if (spin > 0) {
            long start = System.nanoTime();
            int i = 0;
            while ((m = p.msg) == null) {
                Thread.onSpinWait();
                if ((++i & 0x3FF) == 0) {
                    if (job.failure() != null || System.nanoTime() - start > spin) {
                        break;
                    }
                }
            }
            if (m != null) {
                return m;
            }
        }
        Thread me = Thread.currentThread();
        p.waiter = me;
        job.waiting(rank, p, me);
        boolean interrupted = false;
        try {
            while ((m = p.msg) == null) {
                p.parked = true;
                if ((m = p.msg) != null) {
                    break;
                }
                LockSupport.park(p);
                if (p.msg == null && job.failure() != null && job.mailbox(rank).withdraw(p)) {
                    throw job.abortedException();
                }
                // receives are not interruptible (as in MPI); keep the flag for the caller
                interrupted |= Thread.interrupted();
            }
        } finally {
            job.waiting(rank, null, me);
            if (interrupted) {
                me.interrupt();
            }
        }
        return m;
    }

    /** Turns a delivered message into what the receiver asked for. */
    Envelope<Object> open(Msg m, Pending p) {
        Object buffer = p.buffer;
        Object value;
        switch (m.kind) {
            case Msg.DIRECT:
                value = buffer;
                break;
            case Msg.ARRAY:
                if (buffer == null) {
                    value = m.data;
                } else if (PrimitiveArrays.fits(m.data, buffer)) {
                    PrimitiveArrays.copyInto(m.data, buffer);
                    value = buffer;
                } else {
                    throw mismatch(m, p);
                }
                break;
            case Msg.SHARED:
                if (buffer != null) {
                    throw mismatch(m, p);
                }
                value = m.data;
                break;
            default:
                if (buffer != null) {
                    throw mismatch(m, p);
                }
                value = codec().decode((byte[]) m.data);
        }
        return new Envelope<>(value, m.source, m.tag, m.bytes);
    }

    private JparException mismatch(Msg m, Pending p) {
        Object sent = m.kind == Msg.ENCODED ? codec().decode((byte[]) m.data) : m.data;
        return new JparException("receiveInto(source=" + (p.source == ANY_SOURCE ? "ANY_SOURCE" : p.source)
                + ", tag=" + (p.tag == ANY_TAG ? "ANY_TAG" : p.tag) + ") expected "
                + PrimitiveArrays.describe(p.buffer).replace(" of ", " of up to ")
                + " but rank " + m.source + " sent " + PrimitiveArrays.describe(sent) + " with tag " + m.tag);
    }

    /** The message for a receive that was already posted: copy straight into its buffer when it fits. */
    private Msg direct(Object message, int tag, Object buffer) {
        if (buffer != null && PrimitiveArrays.fits(message, buffer)) {
            PrimitiveArrays.copyInto(message, buffer);
            return new Msg(rank, tag, Msg.DIRECT, null, PrimitiveArrays.bytes(message));
        }
        return prepare(message, tag);
    }

    private Msg prepare(Object message, int tag) {
        if (message == null || IMMUTABLE.contains(message.getClass())) {
            return new Msg(rank, tag, Msg.SHARED, message, -1);
        }
        if (PrimitiveArrays.isPrimitiveArray(message)) {
            return new Msg(rank, tag, Msg.ARRAY, PrimitiveArrays.copy(message), PrimitiveArrays.bytes(message));
        }
        byte[] bytes = codec().encode(message);
        return new Msg(rank, tag, Msg.ENCODED, bytes, bytes.length);
    }

    private ObjectCodec codec() {
        ObjectCodec c = codec;
        if (c == null) {
            synchronized (this) {
                if (codec == null) {
                    codec = new ObjectCodec(loader);
                }
                c = codec;
            }
        }
        return c;
    }
}
