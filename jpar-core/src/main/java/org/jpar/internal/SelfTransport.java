package org.jpar.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Set;
import java.util.UUID;

import org.jpar.Envelope;
import org.jpar.JparException;
import org.jpar.Request;
import org.jpar.spi.Collectives;
import org.jpar.spi.PointToPointCollectives;
import org.jpar.spi.Transport;

/**
 * A group of one rank ({@code MPI_COMM_SELF}; {@code Par.self()}), the same on every engine: messages go from this
 * rank to itself through a local queue, as private copies (primitive arrays copied, immutable JDK values shared,
 * other objects encoded and decoded), in MPI's order. Nothing here involves another rank; {@link #abort} and the
 * node's name go to the rank's world endpoint.
 */
public final class SelfTransport implements Transport {
    private static final Set<Class<?>> IMMUTABLE = Set.of(String.class, Integer.class, Long.class, Double.class,
            Float.class, Short.class, Byte.class, Character.class, Boolean.class, BigInteger.class, BigDecimal.class,
            UUID.class);

    private final Transport world;
    private final Object lock = new Object();
    /** Messages no receive took yet (guarded by lock). */
    private final ArrayDeque<Sent> unexpected = new ArrayDeque<>();
    /** Receives posted and not yet matched (guarded by lock). */
    private final ArrayDeque<Receive> posted = new ArrayDeque<>();
    private volatile ObjectCodec codec;
    private Collectives collectives;

    /** @param world the rank's world endpoint (for abort and the node's name) */
    public SelfTransport(Transport world) {
        this.world = world;
    }

    private record Sent(Object payload, boolean encoded, int tag, long bytes, String type) {
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public String processorName() {
        return world.processorName();
    }

    @Override
    public String engineName() {
        return world.engineName();
    }

    @Override
    public void send(Object message, int dest, int tag) {
        Sent s = copyOf(message, tag);
        synchronized (lock) {
            for (Iterator<Receive> it = posted.iterator(); it.hasNext(); ) {
                Receive r = it.next();
                if (matches(s, r.tag)) {
                    it.remove();
                    r.complete(s);
                    lock.notifyAll();
                    return;
                }
            }
            unexpected.addLast(s);
            lock.notifyAll();
        }
    }

    @Override
    public Envelope<Object> receive(int source, int tag, Object buffer) {
        Receive r = (Receive) ireceive(source, tag, buffer);
        return r.awaitEnvelope();
    }

    @Override
    public Request<Void> isend(Object message, int dest, int tag) {
        send(message, dest, tag);
        return new SentRequest(tag);
    }

    @Override
    public Request<Object> ireceive(int source, int tag, Object buffer) {
        Receive r = new Receive(tag, buffer);
        synchronized (lock) {
            for (Iterator<Sent> it = unexpected.iterator(); it.hasNext(); ) {
                Sent s = it.next();
                if (matches(s, tag)) {
                    it.remove();
                    r.complete(s);
                    return r;
                }
            }
            posted.addLast(r);
        }
        return r;
    }

    @Override
    public Envelope<Void> probe(int source, int tag, boolean block) {
        synchronized (lock) {
            while (true) {
                for (Sent s : unexpected) {
                    if (matches(s, tag)) {
                        return new Envelope<>(null, 0, s.tag, s.bytes, s.type);
                    }
                }
                if (!block) {
                    return null;
                }
                awaitLocked("probe");
            }
        }
    }

    @Override
    public void abort(int code) {
        world.abort(code);
    }

    @Override
    public Transport split(int color, int key) {
        return color == org.jpar.Par.UNDEFINED ? null : new SelfTransport(world);
    }

    @Override
    public Collectives collectives() {
        Collectives c = collectives;
        if (c == null) {
            c = new PointToPointCollectives(this);
            collectives = c;
        }
        return c;
    }

    @Override
    public void close() {
        // nothing to free: the queue goes with this object
    }

    private static boolean matches(Sent s, int tag) {
        return tag == ANY_TAG ? s.tag >= 0 : s.tag == tag;
    }

    /** Waits on the lock for a send; a rank's thread interrupted because its job failed gets an error. */
    private void awaitLocked(String op) {
        try {
            lock.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JparException(op + " on Par.self() was interrupted (the job may have failed) while waiting "
                    + "for a message this rank sends itself");
        }
    }

    private Sent copyOf(Object message, int tag) {
        String type = message == null ? "null" : message.getClass().getTypeName();
        if (PrimitiveArrays.isPrimitiveArray(message)) {
            return new Sent(PrimitiveArrays.copy(message), false, tag, PrimitiveArrays.bytes(message), type);
        }
        if (message == null || IMMUTABLE.contains(message.getClass())) {
            return new Sent(message, false, tag, -1, type);
        }
        byte[] bytes = codec().encode(message);
        return new Sent(bytes, true, tag, bytes.length, type);
    }

    private ObjectCodec codec() {
        ObjectCodec c = codec;
        if (c == null) {
            synchronized (this) {
                if (codec == null) {
                    ClassLoader l = Thread.currentThread().getContextClassLoader();
                    codec = new ObjectCodec(l != null ? l : SelfTransport.class.getClassLoader(), "Par.self()");
                }
                c = codec;
            }
        }
        return c;
    }

    /** A send to oneself: complete at once (the message is queued as a copy). */
    private record SentRequest(int tag) implements Request<Void> {
        @Override
        public Void await() {
            return null;
        }

        @Override
        public Envelope<Void> awaitEnvelope() {
            return new Envelope<>(null, 0, tag, 0, "null");
        }

        @Override
        public boolean isDone() {
            return true;
        }
    }

    /** A receive: matched by a send (under the lock), opened by whoever awaits it. */
    private final class Receive implements Request<Object> {
        final int tag;
        final Object buffer;
        private Sent sent;
        private Envelope<Object> opened;

        Receive(int tag, Object buffer) {
            this.tag = tag;
            this.buffer = buffer;
        }

        void complete(Sent s) {
            sent = s;
        }

        @Override
        public Object await() {
            return awaitEnvelope().value();
        }

        @Override
        public Envelope<Object> awaitEnvelope() {
            Sent s;
            synchronized (lock) {
                while (sent == null) {
                    awaitLocked("receive");
                }
                s = sent;
            }
            synchronized (this) {
                if (opened == null) {
                    opened = open(s);
                }
                return opened;
            }
        }

        private Envelope<Object> open(Sent s) {
            Object value = s.encoded ? codec().decode((byte[]) s.payload) : s.payload;
            if (buffer == null) {
                return new Envelope<>(value, 0, s.tag, s.bytes, s.type);
            }
            if (PrimitiveArrays.isPrimitiveArray(value) && PrimitiveArrays.fits(value, buffer)) {
                PrimitiveArrays.copyInto(value, buffer);
                return new Envelope<>(buffer, 0, s.tag, s.bytes, s.type);
            }
            throw PrimitiveArrays.mismatch(0, tag, buffer, value, 0, s.tag);
        }

        @Override
        public boolean isDone() {
            synchronized (lock) {
                return sent != null;
            }
        }
    }
}
