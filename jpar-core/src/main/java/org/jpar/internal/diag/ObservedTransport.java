package org.jpar.internal.diag;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jpar.Envelope;
import org.jpar.Request;
import org.jpar.internal.PrimitiveArrays;
import org.jpar.spi.Collectives;
import org.jpar.spi.Transport;

/**
 * An engine's transport with the diagnostics around every call: the hang watch's record of what each thread is
 * blocked in ({@link Activity}), and the timeline ({@link Tracer}). Installed by {@link Diagnostics#wrap} only when
 * one of them is on, so the engines' own paths pay nothing when both are off.
 *
 * <p>Matched sends and receives are linked in the timeline without anything added to the messages: messages from one
 * rank to another with one tag on one communicator arrive in the order sent (MPI's non-overtaking rule), so the
 * k-th such send is the k-th such receive. (Several threads sending to one rank with one tag at once may be counted in
 * another order than the engine's; their links may then cross.)
 */
final class ObservedTransport implements Transport {
    private final Transport inner;
    private final Tracer tracer;
    private final boolean watch;
    private final int worldRank;
    private final int comm;
    private final AtomicInteger children = new AtomicInteger();
    private final ConcurrentHashMap<Long, AtomicLong> sent;
    private final ConcurrentHashMap<Long, AtomicLong> received;
    private volatile Collectives collectives;

    ObservedTransport(Transport inner, Tracer tracer, boolean watch, int worldRank, int comm) {
        this.inner = inner;
        this.tracer = tracer;
        this.watch = watch;
        this.worldRank = worldRank;
        this.comm = comm;
        this.sent = tracer == null ? null : new ConcurrentHashMap<>();
        this.received = tracer == null ? null : new ConcurrentHashMap<>();
    }

    /** The last thread's activity: a thread that calls again finds its own without a thread-local lookup. */
    private Activity cached;

    private Activity activity() {
        Activity a = cached; // racy but safe: Activity.thread is final
        if (a != null && a.thread == Thread.currentThread()) {
            return a;
        }
        a = Activity.current();
        cached = a;
        return a;
    }

    Transport inner() {
        return inner;
    }

    private static long key(int rank, int tag) {
        return ((long) rank << 32) ^ (tag & 0xFFFFFFFFL);
    }

    private long nextSent(int dest, int tag) {
        return sent.computeIfAbsent(key(dest, tag), k -> new AtomicLong()).getAndIncrement();
    }

    private long nextReceived(int source, int tag) {
        return received.computeIfAbsent(key(source, tag), k -> new AtomicLong()).getAndIncrement();
    }

    private static long bytes(Object message) {
        return PrimitiveArrays.isPrimitiveArray(message) ? PrimitiveArrays.bytes(message) : -1;
    }

    @Override
    public int rank() {
        return inner.rank();
    }

    @Override
    public int size() {
        return inner.size();
    }

    @Override
    public String processorName() {
        return inner.processorName();
    }

    @Override
    public String engineName() {
        return inner.engineName();
    }

    @Override
    public void send(Object message, int dest, int tag) {
        Activity a = watch ? activity() : null;
        if (a != null) {
            a.begin("send", dest, tag, message, comm);
        }
        long start = tracer != null ? System.nanoTime() : 0;
        long seq = tracer != null ? nextSent(dest, tag) : -1;
        if (tracer != null) {
            tracer.begin(worldRank, "send", start, dest, tag, comm);
        }
        try {
            inner.send(message, dest, tag);
        } finally {
            if (a != null) {
                a.end();
            }
            if (tracer != null) {
                tracer.record(worldRank, "send", start, System.nanoTime(), dest, tag, bytes(message), seq, comm);
            }
        }
    }

    @Override
    public Envelope<Object> receive(int source, int tag, Object buffer) {
        Activity a = watch ? activity() : null;
        if (a != null) {
            a.begin("receive", source, tag, null, comm);
        }
        long start = tracer != null ? System.nanoTime() : 0;
        if (tracer != null) {
            tracer.begin(worldRank, "receive", start, source, tag, comm);
        }
        Envelope<Object> e = null;
        try {
            e = inner.receive(source, tag, buffer);
            return e;
        } finally {
            if (a != null) {
                a.end();
            }
            if (tracer != null) {
                long end = System.nanoTime();
                if (e != null) {
                    tracer.record(worldRank, "receive", start, end, e.source(), e.tag(), e.bytes(),
                            nextReceived(e.source(), e.tag()), comm);
                } else {
                    tracer.record(worldRank, "receive", start, end, source, tag, -1, -1, comm);
                }
            }
        }
    }

    @Override
    public Request<Void> isend(Object message, int dest, int tag) {
        long start = tracer != null ? System.nanoTime() : 0;
        long seq = tracer != null ? nextSent(dest, tag) : -1;
        Request<Void> r = inner.isend(message, dest, tag);
        if (tracer != null) {
            tracer.record(worldRank, "isend", start, System.nanoTime(), dest, tag, bytes(message), seq, comm);
        }
        return new Observed<>(r, false, dest, tag);
    }

    @Override
    public Request<Object> ireceive(int source, int tag, Object buffer) {
        long start = tracer != null ? System.nanoTime() : 0;
        Request<Object> r = inner.ireceive(source, tag, buffer);
        if (tracer != null) {
            tracer.record(worldRank, "ireceive", start, System.nanoTime(), source, tag, -1, -1, comm);
        }
        return new Observed<>(r, true, source, tag);
    }

    @Override
    public Envelope<Void> probe(int source, int tag, boolean block) {
        if (!block) {
            return inner.probe(source, tag, false);
        }
        Activity a = watch ? activity() : null;
        if (a != null) {
            a.begin("probe", source, tag, null, comm);
        }
        long start = tracer != null ? System.nanoTime() : 0;
        try {
            return inner.probe(source, tag, true);
        } finally {
            if (a != null) {
                a.end();
            }
            if (tracer != null) {
                tracer.record(worldRank, "probe", start, System.nanoTime(), source, tag, -1, -1, comm);
            }
        }
    }

    @Override
    public void abort(int code) {
        inner.abort(code);
    }

    @Override
    public Transport split(int color, int key) {
        Transport t = inner.split(color, key);
        return t == null ? null : child(t, color);
    }

    @Override
    public Transport dup() {
        return child(inner.dup(), 0);
    }

    private Transport child(Transport t, int color) {
        int id = 31 * (31 * comm + children.incrementAndGet()) + color + 1;
        return new ObservedTransport(t, tracer, watch, worldRank, id);
    }

    @Override
    public Collectives collectives() {
        Collectives c = collectives;
        if (c == null) {
            c = new HookedCollectives(inner::collectives, new HookedCollectives.Hook() {
                @Override
                public Object enter(String op, int root, String detail) {
                    if (watch) {
                        activity().begin(op, root, 0, null, comm);
                    }
                    if (tracer == null) {
                        return null;
                    }
                    long start = System.nanoTime();
                    tracer.begin(worldRank, op, start, root, 0, comm);
                    return new Span(op, start, root);
                }

                @Override
                public void exit(Object token) {
                    if (watch) {
                        activity().end();
                    }
                    if (token instanceof Span t) {
                        tracer.record(worldRank, t.op(), t.start(), System.nanoTime(), t.root(), 0, -1, -1, comm);
                    }
                }

                @Override
                public boolean usesDetail() {
                    return false;
                }
            });
            collectives = c;
        }
        return c;
    }

    @Override
    public void close() {
        if (comm == 0) {
            HangWatch.finished(inner);
        }
        inner.close();
    }

    private record Span(String op, long start, int root) {
    }

    /** A request whose await is watched and traced. */
    private final class Observed<T> implements Request<T> {
        private final Request<T> r;
        private final boolean receive;
        private final int peer;
        private final int tag;
        private boolean recorded;

        Observed(Request<T> r, boolean receive, int peer, int tag) {
            this.r = r;
            this.receive = receive;
            this.peer = peer;
            this.tag = tag;
        }

        @Override
        public T await() {
            return awaitEnvelope().value();
        }

        @Override
        public Envelope<T> awaitEnvelope() {
            Activity a = watch ? activity() : null;
            if (a != null) {
                a.begin(receive ? "wait for ireceive" : "wait for isend", peer, tag, null, comm);
            }
            long start = tracer != null ? System.nanoTime() : 0;
            if (tracer != null) {
                tracer.begin(worldRank, "wait", start, peer, tag, comm);
            }
            Envelope<T> e = null;
            try {
                e = r.awaitEnvelope();
                return e;
            } finally {
                if (a != null) {
                    a.end();
                }
                if (tracer != null) {
                    record(e, start);
                }
            }
        }

        private void record(Envelope<T> e, long start) {
            synchronized (this) {
                boolean first = !recorded;
                recorded = true;
                long end = System.nanoTime();
                if (receive && e != null && first) {
                    tracer.record(worldRank, "wait", start, end, e.source(), e.tag(), e.bytes(),
                            nextReceived(e.source(), e.tag()), comm);
                } else {
                    tracer.record(worldRank, "wait", start, end, receive && e != null ? e.source() : peer,
                            receive && e != null ? e.tag() : tag, -1, -1, comm);
                }
            }
        }

        @Override
        public boolean isDone() {
            return r.isDone();
        }
    }
}
