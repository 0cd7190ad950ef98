package org.jpar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BinaryOperator;

import org.jpar.internal.ObjectCodec;
import org.jpar.internal.PrimitiveArrays;
import org.jpar.internal.diag.SendSites;
import org.jpar.spi.Collectives;
import org.jpar.spi.Transport;

/**
 * A group of ranks and this rank's place in it: the object form of {@link Par}'s static functions, for code that
 * passes a communicator around (and for tests, where {@code @Ranks} injects one).
 *
 * <p>Messages are any Java object (encoded with Apache Fory, or Java serialization as a fallback) or a primitive
 * array ({@code byte[] short[] int[] long[] float[] double[] char[] boolean[]}), which never goes through a
 * serializer. The receiver always gets its own copy: the sender may change its object as soon as {@code send}
 * returns. Messages from one rank to another with one tag arrive in the order they were sent.
 *
 * <p>Every argument is checked here, before an engine sees it; a bad one throws {@link JparException} naming the
 * value and the valid range.
 *
 * <h2>Threads</h2>
 * A communicator may be used from several threads of its rank. Point-to-point calls ({@code send}, {@code receive},
 * {@code isend}, ...) from any number of threads at once are fine. Collectives ({@code barrier}, {@code broadcast},
 * {@code gather}, {@code allgather}, {@code scatter}, {@code reduce}, {@code allreduce}) are MPI's: every rank calls
 * them on a communicator in the same order, so one communicator runs one collective at a time per rank. A second
 * thread of a rank that calls a collective while another thread of the same rank is still in one on this
 * communicator gets a {@link JparException} at once, naming both (MPI leaves this undefined; jpar would mix the two
 * collectives' messages and return wrong results). Call collectives from one thread of each rank (or from several
 * in an order that is the same on every rank: collectives match by the order of the calls, not by thread), or give
 * each thread its own communicator: {@code dup()} is planned and not available yet.
 *
 * <h2>Inputs are never changed</h2>
 * As MPI never modifies a send buffer, no collective changes the object a caller passes in: a {@link #reduce} or
 * {@link #allreduce} operator gets copies it may mutate (the root's own value is copied before it is combined; the
 * other ranks' values arrive as copies), and its result is never a caller's own input object.
 *
 * <p>{@link #close()} is PyPar's {@code finalize()}: after it, every operation fails.
 */
public final class Communicator implements AutoCloseable {
    private final Transport transport;
    private final int rank;
    private final int size;
    private volatile boolean closed;
    /** The thread of this rank inside a collective on this communicator, or null. */
    private final AtomicReference<Thread> collectiveThread = new AtomicReference<>();
    /** The collective it is in, for the message only (written by that thread after its CAS; read racily). */
    private String collectiveOp;

    /**
     * Wraps an engine's endpoint. Called by engines, not by users.
     *
     * @param transport the rank's endpoint into its group
     */
    public Communicator(Transport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.rank = transport.rank();
        this.size = transport.size();
    }

    /** @return this rank in the group, from 0 to {@code size() - 1} */
    public int rank() {
        return rank;
    }

    /** @return the number of ranks in the group */
    public int size() {
        return size;
    }

    /** @return the name of the node (host) this rank runs on */
    public String processorName() {
        checkOpen("processorName");
        return transport.processorName();
    }

    /** @return the name of the engine running this rank: {@code threads}, {@code openmpi} or {@code mpj} */
    public String engine() {
        return transport.engineName();
    }

    /** Sends {@code message} to rank {@code dest} with tag 0. See {@link #send(Object, int, int)}. */
    public void send(Object message, int dest) {
        send(message, dest, 0);
    }

    /**
     * Sends {@code message} to rank {@code dest}. Returns when {@code message} may be changed again; whether it
     * waits for the receiver depends on the engine (the embedded engine never waits; MPI engines may wait for
     * large messages), so a program must not rely on sends being buffered.
     *
     * @param message any object, {@code null}, or a primitive array
     * @param dest    the receiving rank, 0 to {@code size() - 1} (may be this rank)
     * @param tag     0 to {@link Par#MAX_TAG}
     * @throws JparException for a bad rank or tag, a message that cannot be encoded, or an aborted job
     */
    public void send(Object message, int dest, int tag) {
        checkOpen("send");
        checkRank("send", "dest", dest, false);
        checkTag("send", tag, false);
        transport.send(message, dest, tag);
    }

    /** Receives the next message from {@code source} with any tag. See {@link #receive(int, int)}. */
    public <T> T receive(int source) {
        return receive(source, Par.ANY_TAG);
    }

    /**
     * Receives the first message from {@code source} with {@code tag}, blocking until one arrives.
     *
     * @param source a rank or {@link Par#ANY_SOURCE}
     * @param tag    a tag or {@link Par#ANY_TAG}
     * @param <T>    the type the caller expects (unchecked: use {@link #receive(int, int, Class)} to check it)
     * @return the message
     */
    @SuppressWarnings("unchecked")
    public <T> T receive(int source, int tag) {
        return (T) receiveEnvelope(source, tag).value();
    }

    /**
     * Receives a message and checks its type.
     *
     * @param type the expected type ({@code int[].class}, {@code String.class}, ...); a boxed type also accepts
     *             its primitive ({@code Integer.class} or {@code int.class})
     * @throws JparException naming the expected and actual types, the source and the tag when it does not match
     */
    public <T> T receive(int source, int tag, Class<T> type) {
        Objects.requireNonNull(type, "type");
        Class<?> boxed = boxed(type);
        Envelope<Object> e;
        Class<?> before = ObjectCodec.expect(boxed); // the codec checks the class before running any of its code
        try {
            e = receiveEnvelope(source, tag);
        } catch (ObjectCodec.WrongType w) {
            throw new JparException("receive(source=" + sourceName(source) + ", tag=" + tagName(tag) + ") expected "
                    + type.getTypeName() + " but " + (source == Par.ANY_SOURCE ? "a rank" : "rank " + source)
                    + " sent " + w.className() + (tag == Par.ANY_TAG ? "" : " with tag " + tag)
                    + " (not decoded)" + SendSites.ofLastOpened(), w);
        } finally {
            ObjectCodec.expect(before);
        }
        Object v = e.value();
        if (v != null && !boxed.isInstance(v)) {
            throw new JparException("receive(source=" + sourceName(source) + ", tag=" + tagName(tag) + ") expected "
                    + type.getTypeName() + " but rank " + e.source() + " sent " + v.getClass().getTypeName()
                    + " with tag " + e.tag() + SendSites.ofLastOpened());
        }
        @SuppressWarnings("unchecked")
        T t = (T) boxed.cast(v);
        return t;
    }

    /**
     * Receives the first matching message with its envelope (actual source, tag and size).
     *
     * @param source a rank or {@link Par#ANY_SOURCE}
     * @param tag    a tag or {@link Par#ANY_TAG}
     */
    public Envelope<Object> receiveEnvelope(int source, int tag) {
        checkOpen("receive");
        checkRank("receive", "source", source, true);
        checkTag("receive", tag, true);
        return transport.receive(source, tag, null);
    }

    /**
     * Receives a primitive array into {@code buffer} without allocating: the message must be an array of the same
     * type with at most {@code buffer}'s length.
     *
     * @param buffer a primitive array ({@code byte[]}, {@code int[]}, {@code double[]}, ...)
     * @return the envelope; its value is {@code buffer} and its size says how much of it was filled
     * @throws JparException if {@code buffer} is not a primitive array, or the message is of another type or longer
     */
    public Envelope<Object> receiveInto(Object buffer, int source, int tag) {
        checkOpen("receiveInto");
        checkBuffer(buffer);
        checkRank("receive", "source", source, true);
        checkTag("receive", tag, true);
        return transport.receive(source, tag, buffer);
    }

    /** Nonblocking {@link #send(Object, int, int)}: do not change {@code message} before the request is done. */
    public Request<Void> isend(Object message, int dest, int tag) {
        checkOpen("isend");
        checkRank("isend", "dest", dest, false);
        checkTag("isend", tag, false);
        return transport.isend(message, dest, tag);
    }

    /** Nonblocking {@link #receive(int, int)}. */
    @SuppressWarnings("unchecked")
    public <T> Request<T> ireceive(int source, int tag) {
        checkOpen("ireceive");
        checkRank("ireceive", "source", source, true);
        checkTag("ireceive", tag, true);
        return (Request<T>) transport.ireceive(source, tag, null);
    }

    /** Blocks until every rank of the group has called {@code barrier()}. */
    public void barrier() {
        checkOpen("barrier");
        boolean outer = enterCollective("barrier");
        try {
            transport.barrier();
        } finally {
            exitCollective(outer);
        }
    }

    /**
     * Sends {@code message} from {@code root} to every rank; every rank returns it (the root its own object, the
     * others a copy). Non-root ranks' {@code message} argument is ignored (pass {@code null}).
     */
    @SuppressWarnings("unchecked")
    public <T> T broadcast(T message, int root) {
        checkOpen("broadcast");
        checkRank("broadcast", "root", root, false);
        boolean outer = enterCollective("broadcast");
        try {
            return (T) transport.broadcast(message, root);
        } finally {
            exitCollective(outer);
        }
    }

    /**
     * Collects one value from every rank at {@code root}.
     *
     * @return at root, the values in rank order; elsewhere {@code null}
     */
    public <T> List<T> gather(T value, int root) {
        checkOpen("gather");
        checkRank("gather", "root", root, false);
        boolean outer = enterCollective("gather");
        try {
            if (rank != root) {
                transport.send(value, root, Collectives.TAG_GATHER);
                return null;
            }
            List<T> all = new ArrayList<>(size);
            for (int r = 0; r < size; r++) {
                @SuppressWarnings("unchecked")
                T v = r == rank ? value : (T) transport.receive(r, Collectives.TAG_GATHER, null).value();
                all.add(v);
            }
            return all;
        } finally {
            exitCollective(outer);
        }
    }

    /** Collects one value from every rank at every rank, in rank order. */
    public <T> List<T> allgather(T value) {
        checkOpen("allgather");
        boolean outer = enterCollective("allgather");
        try {
            return broadcast(gather(value, 0), 0);
        } finally {
            exitCollective(outer);
        }
    }

    /**
     * Hands the {@code r}-th element of {@code values} (given at root, {@code size()} of them) to rank {@code r}.
     *
     * @return this rank's element
     */
    @SuppressWarnings("unchecked")
    public <T> T scatter(List<T> values, int root) {
        checkOpen("scatter");
        checkRank("scatter", "root", root, false);
        boolean outer = enterCollective("scatter");
        try {
            if (rank != root) {
                return (T) transport.receive(root, Collectives.TAG_SCATTER, null).value();
            }
            if (values == null || values.size() != size) {
                throw new JparException("scatter at root " + root + " needs exactly " + size + " values (one per rank), "
                        + "got " + (values == null ? "null" : values.size()));
            }
            for (int r = 0; r < size; r++) {
                if (r != rank) {
                    transport.send(values.get(r), r, Collectives.TAG_SCATTER);
                }
            }
            return values.get(rank);
        } finally {
            exitCollective(outer);
        }
    }

    /**
     * Combines one value from every rank with {@code op} (applied in rank order: {@code op(op(v0, v1), v2)...}) at
     * {@code root}. {@code op} may mutate and return either argument: it only ever sees copies (the root's own value
     * is copied first; the others arrive as copies), so no caller's {@code value} changes, and the result is never a
     * caller's own object (MPI: the send buffer is never modified).
     *
     * @return at root, the combined value; elsewhere {@code null}
     */
    public <T> T reduce(T value, BinaryOperator<T> op, int root) {
        Objects.requireNonNull(op, "op");
        checkOpen("reduce");
        checkRank("reduce", "root", root, false);
        boolean outer = enterCollective("reduce");
        try {
            List<T> all = gather(value, root);
            if (all == null) {
                return null;
            }
            @SuppressWarnings("unchecked")
            T own = (T) ownCopy(value);
            all.set(root, own);
            T acc = all.get(0);
            for (int i = 1; i < all.size(); i++) {
                acc = op.apply(acc, all.get(i));
            }
            return acc;
        } finally {
            exitCollective(outer);
        }
    }

    /** {@link #reduce} whose result every rank gets (each its own copy); no caller's {@code value} changes. */
    public <T> T allreduce(T value, BinaryOperator<T> op) {
        Objects.requireNonNull(op, "op");
        checkOpen("allreduce");
        boolean outer = enterCollective("allreduce");
        try {
            return broadcast(reduce(value, op, 0), 0);
        } finally {
            exitCollective(outer);
        }
    }

    /** @return true once {@link #close()} was called */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Ends this rank's participation: PyPar's {@code finalize()}. Idempotent; afterwards every operation fails.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            transport.close();
        }
    }

    /** @return the engine endpoint behind this communicator (for engines and the job layer) */
    public Transport transport() {
        return transport;
    }

    @Override
    public String toString() {
        return "Communicator[rank " + rank + " of " + size + ", engine " + transport.engineName() + "]";
    }

    /**
     * Marks the calling thread as this rank's one thread in a collective on this communicator (a CAS; re-entered by
     * the collectives built from others).
     *
     * @return true if this call entered (and must {@link #exitCollective}), false if the thread was already in one
     * @throws JparException if another thread of this rank is in a collective on this communicator
     */
    private boolean enterCollective(String op) {
        Thread me = Thread.currentThread();
        Thread owner = collectiveThread.get();
        if (owner == me) {
            return false;
        }
        if (owner != null || !collectiveThread.compareAndSet(null, me)) {
            throw concurrentCollective(op);
        }
        collectiveOp = op;
        return true;
    }

    private void exitCollective(boolean outer) {
        if (outer) {
            collectiveThread.setRelease(null);
        }
    }

    private JparException concurrentCollective(String op) {
        Thread other = collectiveThread.get();
        String running = collectiveOp;
        return new JparException(op + ": another thread of rank " + rank + " ("
                + (other == null ? "now done" : other.getName()) + ") is in " + (running == null ? "a collective"
                        : running) + " on " + this + "; a communicator runs one collective at a time per rank (the "
                + "ranks must call collectives in the same order, which threads racing cannot keep), and jpar refuses "
                + "a second rather than mix their messages: call collectives on a communicator from one thread of each "
                + "rank (or from several in an order that is the same on every rank), or give each thread its own "
                + "communicator (Communicator.dup(), planned: not available yet); point-to-point calls from several "
                + "threads are fine");
    }

    /**
     * @return a copy of {@code value} that a reduction operator may mutate: itself if immutable (null, String, a
     *         boxed primitive), a clone of a primitive array, else the engine's own copy (a message to this rank)
     */
    private Object ownCopy(Object value) {
        if (value == null || IMMUTABLE.contains(value.getClass())) {
            return value;
        }
        if (PrimitiveArrays.isPrimitiveArray(value)) {
            return PrimitiveArrays.copy(value);
        }
        transport.send(value, rank, Collectives.TAG_REDUCE);
        return transport.receive(rank, Collectives.TAG_REDUCE, null).value();
    }

    private static final Set<Class<?>> IMMUTABLE = Set.of(String.class, Integer.class,
            Long.class, Double.class, Float.class, Short.class, Byte.class, Character.class, Boolean.class);

    private void checkOpen(String op) {
        if (closed) {
            throw new JparException(op + ": this rank already called Par.finish() (or closed its communicator); "
                    + "no communication is possible after that: finish only once, at the end of the program");
        }
    }

    private void checkRank(String op, String what, int r, boolean wildcard) {
        if (r >= 0 && r < size) {
            return;
        }
        if (wildcard && r == Par.ANY_SOURCE) {
            return;
        }
        if (r == Par.ANY_SOURCE) {
            throw new JparException(op + ": " + what + " rank " + r + " is Par.ANY_SOURCE, which only receives take: "
                    + "give a rank 0.." + (size - 1) + " (size " + size + ")");
        }
        throw new JparException(op + ": " + what + " rank " + r + " is out of range: valid ranks are 0.."
                + (size - 1) + " (size " + size + ")" + (wildcard ? " or Par.ANY_SOURCE" : ""));
    }

    private static void checkTag(String op, int tag, boolean wildcard) {
        if (tag >= 0 && tag <= Par.MAX_TAG) {
            return;
        }
        if (wildcard && tag == Par.ANY_TAG) {
            return;
        }
        if (tag == Par.ANY_TAG) {
            throw new JparException(op + ": tag " + tag + " is Par.ANY_TAG, which only receives take: give a tag 0.."
                    + Par.MAX_TAG);
        }
        throw new JparException(op + ": tag " + tag + " is out of range: valid tags are 0.." + Par.MAX_TAG
                + (wildcard ? " or Par.ANY_TAG" : ""));
    }

    private static void checkBuffer(Object buffer) {
        if (buffer == null || !buffer.getClass().isArray() || !buffer.getClass().getComponentType().isPrimitive()) {
            throw new JparException("receiveInto: the buffer must be a primitive array (byte[], int[], double[], ...), got "
                    + (buffer == null ? "null" : buffer.getClass().getTypeName())
                    + "; use receive(source, tag) for objects");
        }
    }

    private static String sourceName(int source) {
        return source == Par.ANY_SOURCE ? "ANY_SOURCE" : Integer.toString(source);
    }

    private static String tagName(int tag) {
        return tag == Par.ANY_TAG ? "ANY_TAG" : Integer.toString(tag);
    }

    private static final List<Class<?>> PRIMITIVES = Arrays.asList(int.class, long.class, double.class, float.class,
            short.class, byte.class, char.class, boolean.class);
    private static final List<Class<?>> BOXES = Arrays.asList(Integer.class, Long.class, Double.class, Float.class,
            Short.class, Byte.class, Character.class, Boolean.class);

    private static Class<?> boxed(Class<?> type) {
        int i = PRIMITIVES.indexOf(type);
        return i < 0 ? type : BOXES.get(i);
    }
}
