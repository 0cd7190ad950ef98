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
import org.jpar.internal.diag.Diagnostics;
import org.jpar.internal.diag.SendSites;
import org.jpar.internal.ArrayOps;
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
 * each thread its own communicator made with {@link #dup()}.
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
    /** True for a job's world communicator (close is finish), false for one made by split/dup/cartesian. */
    private final boolean world;
    private volatile boolean closed;
    private Collectives collectives;
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
        this(transport, true);
    }

    Communicator(Transport transport, boolean world) {
        this.transport = Diagnostics.wrap(Objects.requireNonNull(transport, "transport"));
        this.rank = transport.rank();
        this.size = transport.size();
        this.world = world;
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
        if (dest != Par.PROC_NULL) {
            transport.send(message, dest, tag);
        }
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
        return source == Par.PROC_NULL ? procNull(null) : transport.receive(source, tag, null);
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
        return source == Par.PROC_NULL ? procNull(buffer) : transport.receive(source, tag, buffer);
    }

    /** Nonblocking {@link #send(Object, int, int)}: do not change {@code message} before the request is done. */
    public Request<Void> isend(Object message, int dest, int tag) {
        checkOpen("isend");
        checkRank("isend", "dest", dest, false);
        checkTag("isend", tag, false);
        return dest == Par.PROC_NULL ? new Done<>(new Envelope<>(null, Par.PROC_NULL, tag, 0, "null"))
                : transport.isend(message, dest, tag);
    }

    /** Nonblocking {@link #receive(int, int)}. */
    @SuppressWarnings("unchecked")
    public <T> Request<T> ireceive(int source, int tag) {
        checkOpen("ireceive");
        checkRank("ireceive", "source", source, true);
        checkTag("ireceive", tag, true);
        return source == Par.PROC_NULL ? (Request<T>) new Done<>(procNull(null))
                : (Request<T>) transport.ireceive(source, tag, null);
    }

    /**
     * Sends {@code message} to {@code dest} and receives from {@code source} in one call ({@code MPI_Sendrecv};
     * mpi4py's {@code sendrecv}): the two proceed together, so an exchange where every rank sends to one neighbour
     * and receives from another cannot deadlock, whatever the message sizes. Blocks until both are complete.
     *
     * @param message   what to send (any object or primitive array); ignored when {@code dest} is {@link Par#PROC_NULL}
     * @param dest      the receiving rank, or {@link Par#PROC_NULL} to send nothing
     * @param sendTag   the tag of the message sent, 0 to {@link Par#MAX_TAG}
     * @param source    the rank to receive from, {@link Par#ANY_SOURCE}, or {@link Par#PROC_NULL} to receive nothing
     * @param receiveTag the tag to receive, or {@link Par#ANY_TAG}
     * @param <T>       the type the caller expects (unchecked)
     * @return the received message ({@code null} from {@code PROC_NULL})
     * @throws JparException for a bad rank or tag, or an aborted job
     */
    @SuppressWarnings("unchecked")
    public <T> T sendrecv(Object message, int dest, int sendTag, int source, int receiveTag) {
        return (T) sendrecvInto(message, dest, sendTag, null, source, receiveTag).value();
    }

    /**
     * {@link #sendrecv} that receives a primitive array into {@code buffer} (or a new object when {@code buffer} is
     * null) and returns the envelope.
     *
     * @param buffer null, or a primitive array the message must fit (see {@link #receiveInto})
     * @return the envelope of the received message; {@code source} is {@link Par#PROC_NULL} when nothing was received
     */
    public Envelope<Object> sendrecvInto(Object message, int dest, int sendTag, Object buffer, int source,
                                         int receiveTag) {
        checkOpen("sendrecv");
        checkRank("sendrecv", "dest", dest, false);
        checkTag("sendrecv", sendTag, false);
        checkRank("sendrecv", "source", source, true);
        checkTag("sendrecv", receiveTag, true);
        if (buffer != null) {
            checkBuffer(buffer);
        }
        Request<Void> sent = dest == Par.PROC_NULL ? null : transport.isend(message, dest, sendTag);
        Envelope<Object> got = source == Par.PROC_NULL ? procNull(buffer)
                : transport.receive(source, receiveTag, buffer);
        if (sent != null) {
            sent.await();
        }
        return got;
    }

    /**
     * Waits until a message from {@code source} with {@code tag} can be received and returns its envelope without
     * receiving it ({@code MPI_Probe}; mpi4py's {@code probe}). The next receive with the envelope's source and tag gets
     * that message; size a buffer with {@link Envelope#count()}.
     *
     * @param source a rank or {@link Par#ANY_SOURCE}
     * @param tag    a tag or {@link Par#ANY_TAG}
     * @return the envelope: source, tag, bytes and type of the message; its value is null
     * @throws JparException for a bad rank or tag, or an aborted job
     */
    public Envelope<Void> probe(int source, int tag) {
        checkOpen("probe");
        checkRank("probe", "source", source, true);
        checkTag("probe", tag, true);
        if (source == Par.PROC_NULL) {
            return new Envelope<>(null, Par.PROC_NULL, Par.ANY_TAG, 0, "null");
        }
        return transport.probe(source, tag, true);
    }

    /**
     * {@link #probe} that does not wait ({@code MPI_Iprobe}).
     *
     * @return the envelope of a matching message, or {@code null} if none has arrived yet
     */
    public Envelope<Void> iprobe(int source, int tag) {
        checkOpen("iprobe");
        checkRank("iprobe", "source", source, true);
        checkTag("iprobe", tag, true);
        if (source == Par.PROC_NULL) {
            return new Envelope<>(null, Par.PROC_NULL, Par.ANY_TAG, 0, "null");
        }
        return transport.probe(source, tag, false);
    }

    /**
     * Ends the whole job now with exit status {@code code} ({@code MPI_Abort}; PyPar's {@code abort}): every rank of
     * every communicator stops, and the job's status is {@code code} ({@code 1} if {@code code} is 0, since an aborted
     * job must not look successful). One line on standard error names this rank and the code. Does not return.
     *
     * @param code the exit status, 1 to 255 (other values are taken modulo 256, as a process exit status is)
     */
    public void abort(int code) {
        transport.abort(code);
        throw new IllegalStateException("unreachable: the engine returned from abort");
    }

    // ---------------------------------------------------------------- communicators

    /**
     * Splits this communicator's ranks into new communicators, one per {@code color} ({@code MPI_Comm_split};
     * mpi4py's {@code Split}). A collective: every rank of this communicator calls it. In each new communicator the
     * ranks are ordered by {@code key}, then by their rank here. The new communicator is this rank's to
     * {@link #close()} (MPI's {@code MPI_Comm_free}); its messages never mix with this one's.
     *
     * @param color {@code >= 0}, or {@link Par#UNDEFINED} to be in no new communicator
     * @param key   the ordering key (any int)
     * @return the new communicator, or {@code null} for {@code UNDEFINED}
     * @throws JparException for a negative colour other than {@code UNDEFINED}
     */
    public Communicator split(int color, int key) {
        checkOpen("split");
        if (color < 0 && color != Par.UNDEFINED) {
            throw new JparException("split: color " + color + " is negative: give a color >= 0, or Par.UNDEFINED for a "
                    + "rank that joins no new communicator");
        }
        return collective("split", () -> {
            Transport t = transport.split(color, key);
            return t == null ? null : new Communicator(t, false);
        });
    }

    /**
     * A new communicator with the same ranks in the same order whose messages and collectives never mix with this
     * one's ({@code MPI_Comm_dup}): give each thread of a rank its own to run collectives concurrently. A collective.
     * Close it when done.
     */
    public Communicator dup() {
        checkOpen("dup");
        return collective("dup", () -> new Communicator(transport.dup(), false));
    }

    /**
     * Arranges this communicator's ranks on a grid ({@code MPI_Cart_create} with {@code reorder = false}; mpi4py's
     * {@code Create_cart}): rank {@code r} keeps its number and sits at the row-major coordinates of {@code r}. A
     * collective (it makes a new communicator, as {@link #dup()}); close the grid when done.
     *
     * @param dims     the extent of each dimension, each {@code >= 1}, whose product is {@code size()}
     *                 ({@link Par#dims(int, int)} picks a balanced one)
     * @param periodic for each dimension, whether it wraps around (a ring) or has open edges
     * @return the grid
     * @throws JparException for dims that do not multiply to {@code size()}, a non-positive extent, or a
     *                       {@code periodic} of another length
     */
    public Cartesian cartesian(int[] dims, boolean[] periodic) {
        checkOpen("cartesian");
        if (dims == null || dims.length == 0) {
            throw new JparException("cartesian: dims must give at least one dimension, got "
                    + (dims == null ? "null" : "[]") + ": e.g. Par.dims(" + size + ", 2)");
        }
        if (periodic == null || periodic.length != dims.length) {
            throw new JparException("cartesian: periodic has " + (periodic == null ? "null" : periodic.length
                    + " entries") + " but dims has " + dims.length + " dimensions: give one periodic flag per "
                    + "dimension");
        }
        long product = 1;
        for (int d = 0; d < dims.length; d++) {
            if (dims[d] < 1) {
                throw new JparException("cartesian: dims[" + d + "] is " + dims[d] + ": every extent must be >= 1");
            }
            product = Math.min(product * dims[d], Integer.MAX_VALUE + 1L);
        }
        if (product != size) {
            throw new JparException("cartesian: dims " + Arrays.toString(dims) + " multiply to " + product
                    + " but the communicator has " + size + " ranks: give dims whose product is " + size
                    + " (Par.dims(" + size + ", " + dims.length + ") gives " + Arrays.toString(Par.dims(size,
                    dims.length)) + ")");
        }
        return new Cartesian(dup(), dims, periodic);
    }

    // ---------------------------------------------------------------- collectives on objects

    /** Blocks until every rank of the group has called {@code barrier()} ({@code MPI_Barrier}). */
    public void barrier() {
        checkOpen("barrier");
        collective("barrier", () -> {
            collectives().barrier();
            return null;
        });
    }

    /**
     * Sends {@code message} from {@code root} to every rank; every rank returns it (the root its own object, the
     * others a copy). Non-root ranks' {@code message} argument is ignored (pass {@code null}). mpi4py's {@code bcast}.
     */
    @SuppressWarnings("unchecked")
    public <T> T broadcast(T message, int root) {
        checkOpen("broadcast");
        checkRank("broadcast", "root", root, false);
        return collective("broadcast", () -> (T) collectives().broadcast(message, root));
    }

    /**
     * Collects one value from every rank at {@code root} ({@code MPI_Gather}; mpi4py's {@code gather}).
     *
     * @return at root, the values in rank order; elsewhere {@code null}
     */
    @SuppressWarnings("unchecked")
    public <T> List<T> gather(T value, int root) {
        checkOpen("gather");
        checkRank("gather", "root", root, false);
        return collective("gather", () -> {
            Object[] all = collectives().gather(value, root);
            return all == null ? null : (List<T>) Arrays.asList(all);
        });
    }

    /** Collects one value from every rank at every rank, in rank order ({@code MPI_Allgather}; mpi4py's {@code allgather}). */
    @SuppressWarnings("unchecked")
    public <T> List<T> allgather(T value) {
        checkOpen("allgather");
        return collective("allgather", () -> (List<T>) Arrays.asList(collectives().allgather(value)));
    }

    /**
     * Hands the {@code r}-th element of {@code values} (given at root, {@code size()} of them) to rank {@code r}
     * ({@code MPI_Scatter}; mpi4py's {@code scatter}).
     *
     * @return this rank's element
     */
    @SuppressWarnings("unchecked")
    public <T> T scatter(List<T> values, int root) {
        checkOpen("scatter");
        checkRank("scatter", "root", root, false);
        return collective("scatter", () -> {
            // checked inside: a second thread is told about the first before about its own values
            if (rank == root && (values == null || values.size() != size)) {
                throw new JparException("scatter at root " + root + " needs exactly " + size + " values (one per "
                        + "rank), got " + (values == null ? "null" : values.size()));
            }
            return (T) collectives().scatter(rank == root ? values.toArray() : null, root);
        });
    }

    /**
     * Sends {@code values.get(i)} to rank {@code i} and returns what every rank sent to this one, in rank order
     * ({@code MPI_Alltoall}; mpi4py's {@code alltoall}).
     *
     * @param values exactly {@code size()} values, one per destination rank
     * @return {@code size()} values: element {@code i} came from rank {@code i}
     */
    @SuppressWarnings("unchecked")
    public <T> List<T> alltoall(List<T> values) {
        checkOpen("alltoall");
        if (values == null || values.size() != size) {
            throw new JparException("alltoall needs exactly " + size + " values (one per rank), got "
                    + (values == null ? "null" : values.size()));
        }
        return collective("alltoall", () -> (List<T>) Arrays.asList(collectives().alltoall(values.toArray())));
    }

    /**
     * Combines one value from every rank with {@code op} (applied in rank order: {@code op(op(v0, v1), v2)...}) at
     * {@code root}. {@code op} may mutate and return either argument: it only ever sees copies (the root's own value
     * is copied first; the others arrive as copies), so no caller's {@code value} changes, and the result is never a
     * caller's own object (MPI: the send buffer is never modified).
     *
     * @return at root, the combined value; elsewhere {@code null}
     */
    @SuppressWarnings("unchecked")
    public <T> T reduce(T value, BinaryOperator<T> op, int root) {
        Objects.requireNonNull(op, "op");
        checkOpen("reduce");
        checkRank("reduce", "root", root, false);
        return collective("reduce", () -> (T) collectives().reduce(value, (BinaryOperator<Object>) op, root));
    }

    /** {@link #reduce} whose result every rank gets (each its own copy); no caller's {@code value} changes. */
    @SuppressWarnings("unchecked")
    public <T> T allreduce(T value, BinaryOperator<T> op) {
        Objects.requireNonNull(op, "op");
        checkOpen("allreduce");
        return collective("allreduce", () -> (T) collectives().allreduce(value, (BinaryOperator<Object>) op));
    }

    /**
     * Inclusive prefix reduction ({@code MPI_Scan}; mpi4py's {@code scan}): rank {@code r} gets {@code op} over the
     * values of ranks 0 to r, in rank order. {@code op} sees only copies, as in {@link #reduce}.
     */
    @SuppressWarnings("unchecked")
    public <T> T scan(T value, BinaryOperator<T> op) {
        Objects.requireNonNull(op, "op");
        checkOpen("scan");
        return collective("scan", () -> (T) collectives().scan(value, (BinaryOperator<Object>) op, false));
    }

    /**
     * Exclusive prefix reduction ({@code MPI_Exscan}; mpi4py's {@code exscan}): rank {@code r > 0} gets {@code op}
     * over the values of ranks 0 to r-1; rank 0 gets {@code null}.
     */
    @SuppressWarnings("unchecked")
    public <T> T exscan(T value, BinaryOperator<T> op) {
        Objects.requireNonNull(op, "op");
        checkOpen("exscan");
        return collective("exscan", () -> (T) collectives().scan(value, (BinaryOperator<Object>) op, true));
    }

    // ---------------------------------------------------------------- collectives on primitive arrays

    /**
     * Fills {@code array} on every rank with root's ({@code MPI_Bcast} into a buffer; mpi4py's {@code Bcast}). No
     * serialization; no allocation.
     *
     * @param array a primitive array of the same type and length on every rank
     */
    public void broadcastInto(Object array, int root) {
        checkOpen("broadcastInto");
        checkArray("broadcastInto", "array", array);
        checkRank("broadcastInto", "root", root, false);
        collective("broadcastInto", () -> {
            collectives().broadcastInto(array, root);
            return null;
        });
    }

    /**
     * Element-wise reduction of primitive arrays at root ({@code MPI_Reduce}; mpi4py's {@code Reduce}).
     *
     * @param array this rank's input (not changed), the same type and length on every rank
     * @param op    a built-in operator that takes this array type (see {@link Op})
     * @return at root a new array with the result; elsewhere {@code null}
     */
    @SuppressWarnings("unchecked")
    public <A> A reduce(A array, Op op, int root) {
        checkArray("reduce", "array", array);
        A out = rank == root ? (A) PrimitiveArrays.newLike(array) : null;
        reduce(array, out, op, root);
        return out;
    }

    /**
     * Element-wise reduction of primitive arrays into root's {@code recv} ({@code MPI_Reduce}).
     *
     * @param send this rank's input, or {@link Par#IN_PLACE} at root (root's input is then {@code recv})
     * @param recv at root, an array of the same type and length; ignored elsewhere (may be null)
     */
    public void reduce(Object send, Object recv, Op op, int root) {
        checkOpen("reduce");
        checkRank("reduce", "root", root, false);
        Object in = send == Par.IN_PLACE && rank == root ? recv : send;
        checkArray("reduce", "send", in);
        checkOp("reduce", op, in);
        if (rank == root) {
            checkSame("reduce", in, recv);
        }
        collective("reduce", () -> {
            collectives().reduce(in, rank == root ? recv : null, op, root);
            return null;
        });
    }

    /**
     * Element-wise reduction of primitive arrays at every rank ({@code MPI_Allreduce}; mpi4py's {@code Allreduce}).
     *
     * @param array this rank's input (not changed), the same type and length on every rank
     * @return a new array with the result
     */
    @SuppressWarnings("unchecked")
    public <A> A allreduce(A array, Op op) {
        checkArray("allreduce", "array", array);
        A out = (A) PrimitiveArrays.newLike(array);
        allreduce(array, out, op);
        return out;
    }

    /**
     * Element-wise reduction of primitive arrays into every rank's {@code recv} ({@code MPI_Allreduce}).
     *
     * @param send this rank's input, or {@link Par#IN_PLACE} (the input is then {@code recv})
     * @param recv an array of the same type and length as {@code send}
     */
    public void allreduce(Object send, Object recv, Op op) {
        checkOpen("allreduce");
        Object in = send == Par.IN_PLACE ? recv : send;
        checkArray("allreduce", "send", in);
        checkOp("allreduce", op, in);
        checkSame("allreduce", in, recv);
        collective("allreduce", () -> {
            collectives().allreduce(in, recv, op);
            return null;
        });
    }

    /** Element-wise inclusive prefix reduction ({@code MPI_Scan}); returns a new array. */
    @SuppressWarnings("unchecked")
    public <A> A scan(A array, Op op) {
        checkArray("scan", "array", array);
        A out = (A) PrimitiveArrays.newLike(array);
        scan(array, out, op);
        return out;
    }

    /** Element-wise inclusive prefix reduction into {@code recv} ({@code MPI_Scan}); {@code send} may be IN_PLACE. */
    public void scan(Object send, Object recv, Op op) {
        scan("scan", send, recv, op, false);
    }

    /**
     * Element-wise exclusive prefix reduction ({@code MPI_Exscan}); returns a new array, all zero (false) at rank 0,
     * where MPI leaves it undefined.
     */
    @SuppressWarnings("unchecked")
    public <A> A exscan(A array, Op op) {
        checkArray("exscan", "array", array);
        A out = (A) PrimitiveArrays.newLike(array);
        exscan(array, out, op);
        return out;
    }

    /** Element-wise exclusive prefix reduction into {@code recv} ({@code MPI_Exscan}); rank 0's recv is unchanged. */
    public void exscan(Object send, Object recv, Op op) {
        scan("exscan", send, recv, op, true);
    }

    private void scan(String name, Object send, Object recv, Op op, boolean exclusive) {
        checkOpen(name);
        Object in = send == Par.IN_PLACE ? recv : send;
        checkArray(name, "send", in);
        checkOp(name, op, in);
        checkSame(name, in, recv);
        collective(name, () -> {
            collectives().scan(in, recv, op, exclusive);
            return null;
        });
    }

    /**
     * Element-wise reduction whose result is scattered in blocks ({@code MPI_Reduce_scatter}): rank {@code r} gets
     * elements {@code counts[0] + ... + counts[r-1]} to that plus {@code counts[r]} of the reduction.
     *
     * @param send   this rank's input, {@code sum(counts)} elements, or {@link Par#IN_PLACE} (then {@code recv} holds
     *               the whole input and gets the block at its start)
     * @param recv   at least {@code counts[rank]} elements of the same type
     * @param counts one block length per rank ({@code size()} of them, each {@code >= 0}), the same on every rank
     */
    public void reduceScatter(Object send, Object recv, int[] counts, Op op) {
        checkOpen("reduceScatter");
        Object in = send == Par.IN_PLACE ? recv : send;
        checkArray("reduceScatter", "send", in);
        checkOp("reduceScatter", op, in);
        long total = checkCounts("reduceScatter", counts);
        checkLength("reduceScatter", "send", in, total);
        checkArray("reduceScatter", "recv", recv);
        checkType("reduceScatter", in, recv);
        checkLength("reduceScatter", "recv", recv, counts[rank]);
        collective("reduceScatter", () -> {
            collectives().reduceScatter(in, recv, counts, op);
            return null;
        });
    }

    /**
     * Gathers blocks of different lengths at root ({@code MPI_Gatherv}; mpi4py's {@code Gatherv}): rank {@code r}'s
     * {@code send} ({@code counts[r]} elements) lands in root's {@code recv} after the blocks of ranks 0 to r-1.
     *
     * @param send   this rank's block, {@code counts[rank]} elements (longer arrays: the first counts[rank] are sent)
     * @param recv   at root, at least {@code sum(counts)} elements of the same type; ignored elsewhere
     * @param counts one length per rank, known at root (other ranks may pass null)
     */
    public void gatherv(Object send, Object recv, int[] counts, int root) {
        checkOpen("gatherv");
        checkRank("gatherv", "root", root, false);
        checkArray("gatherv", "send", send);
        if (rank == root) {
            long total = checkCounts("gatherv", counts);
            checkArray("gatherv", "recv", recv);
            checkType("gatherv", send, recv);
            checkLength("gatherv", "recv", recv, total);
            checkLength("gatherv", "send", send, counts[rank]);
        }
        collective("gatherv", () -> {
            collectives().gatherv(send, rank == root ? recv : null, rank == root ? counts : null, root);
            return null;
        });
    }

    /**
     * {@link #gatherv} whose result every rank gets ({@code MPI_Allgatherv}).
     *
     * @param counts one length per rank, the same on every rank
     */
    public void allgatherv(Object send, Object recv, int[] counts) {
        checkOpen("allgatherv");
        checkArray("allgatherv", "send", send);
        long total = checkCounts("allgatherv", counts);
        checkArray("allgatherv", "recv", recv);
        checkType("allgatherv", send, recv);
        checkLength("allgatherv", "recv", recv, total);
        checkLength("allgatherv", "send", send, counts[rank]);
        collective("allgatherv", () -> {
            collectives().allgatherv(send, recv, counts);
            return null;
        });
    }

    /**
     * Scatters blocks of different lengths from root ({@code MPI_Scatterv}; mpi4py's {@code Scatterv}): rank
     * {@code r} gets {@code counts[r]} elements of root's {@code send}, after the blocks of ranks 0 to r-1, into the
     * start of its {@code recv}. Rows that do not divide evenly: give the first ranks one more.
     *
     * @param send   at root, at least {@code sum(counts)} elements; ignored elsewhere
     * @param counts at root, one length per rank (other ranks may pass null)
     * @param recv   at least {@code counts[rank]} elements of the same type
     */
    public void scatterv(Object send, int[] counts, Object recv, int root) {
        checkOpen("scatterv");
        checkRank("scatterv", "root", root, false);
        checkArray("scatterv", "recv", recv);
        if (rank == root) {
            long total = checkCounts("scatterv", counts);
            checkArray("scatterv", "send", send);
            checkType("scatterv", send, recv);
            checkLength("scatterv", "send", send, total);
            checkLength("scatterv", "recv", recv, counts[rank]);
        }
        collective("scatterv", () -> {
            collectives().scatterv(rank == root ? send : null, rank == root ? counts : null, recv, root);
            return null;
        });
    }

    /**
     * All-to-all of equal blocks of primitive arrays ({@code MPI_Alltoall}; mpi4py's {@code Alltoall}): block
     * {@code i} of {@code send} (length {@code send.length / size()}) goes to rank {@code i}, and block {@code j} of
     * {@code recv} comes from rank {@code j}.
     *
     * @param send an array whose length is a multiple of {@code size()}; or {@link Par#IN_PLACE}, or {@code recv}
     *             itself: the blocks of {@code recv} are sent and replaced ({@code MPI_IN_PLACE})
     * @param recv an array of the same type and length
     */
    public void alltoall(Object send, Object recv) {
        checkOpen("alltoall");
        Object in = send == Par.IN_PLACE ? recv : send;
        checkArray("alltoall", "send", in);
        checkSame("alltoall", in, recv);
        int n = java.lang.reflect.Array.getLength(in);
        if (n % size != 0) {
            throw new JparException("alltoall: send has " + n + " elements, not a multiple of the " + size
                    + " ranks: give every rank a block of the same length (size() * block elements)");
        }
        collective("alltoall", () -> {
            collectives().alltoall(in, recv);
            return null;
        });
    }

    /** @return true once {@link #close()} was called */
    public boolean isClosed() {
        return closed;
    }

    /**
     * On the world communicator, ends this rank's participation: PyPar's {@code finalize()}. On a communicator made
     * by {@link #split} or {@link #dup}, frees it ({@code MPI_Comm_free}): local, never waits for
     * the other ranks. Idempotent; afterwards every operation on this communicator fails.
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
                + "communicator (Communicator.dup()); point-to-point calls from several "
                + "threads are fine");
    }

    /** @return this communicator's collectives (the engine's, made on first use) */
    private Collectives collectives() {
        Collectives c = collectives;
        if (c == null) {
            c = transport.collectives();
            collectives = c;
        }
        return c;
    }

    /** Runs {@code body} as this rank's one collective on this communicator (see the class comment, Threads). */
    private <R> R collective(String op, java.util.function.Supplier<R> body) {
        boolean outer = enterCollective(op);
        try {
            return body.get();
        } finally {
            exitCollective(outer);
        }
    }

    private static Envelope<Object> procNull(Object buffer) {
        return new Envelope<>(buffer, Par.PROC_NULL, Par.ANY_TAG, 0, buffer == null ? "null"
                : buffer.getClass().getTypeName());
    }

    /** A request that is complete from the start (operations on {@link Par#PROC_NULL}). */
    private record Done<T>(Envelope<T> envelope) implements Request<T> {
        @Override
        public T await() {
            return envelope.value();
        }

        @Override
        public Envelope<T> awaitEnvelope() {
            return envelope;
        }

        @Override
        public boolean isDone() {
            return true;
        }
    }

    private static void checkArray(String op, String what, Object a) {
        if (!PrimitiveArrays.isPrimitiveArray(a)) {
            throw new JparException(op + ": " + what + " must be a primitive array (byte[], int[], double[], ...), got "
                    + (a == null ? "null" : a.getClass().getTypeName())
                    + (a == Par.IN_PLACE ? " (Par.IN_PLACE is only for the send argument, at the ranks that may use it)"
                            : "; use the List/object form for objects"));
        }
    }

    private static void checkOp(String op, Op o, Object array) {
        Objects.requireNonNull(o, "op");
        String problem = ArrayOps.refusal(o, array.getClass());
        if (problem != null) {
            throw new JparException(op + ": " + problem);
        }
        int n = java.lang.reflect.Array.getLength(array);
        if ((o == Op.MINLOC || o == Op.MAXLOC) && n % 2 != 0) {
            throw new JparException(op + ": Op." + o + " reads the array as (value, index) pairs, but it has " + n
                    + " elements (an odd number): give 2 elements per value, e.g. {value, rank}");
        }
    }

    private static void checkType(String op, Object send, Object recv) {
        if (send.getClass() != recv.getClass()) {
            throw new JparException(op + ": send is " + send.getClass().getTypeName() + " but recv is "
                    + recv.getClass().getTypeName() + ": give arrays of the same type");
        }
    }

    private static void checkSame(String op, Object send, Object recv) {
        checkArray(op, "recv", recv);
        checkType(op, send, recv);
        int a = java.lang.reflect.Array.getLength(send);
        int b = java.lang.reflect.Array.getLength(recv);
        if (a != b) {
            throw new JparException(op + ": send has " + a + " elements but recv has " + b
                    + ": give arrays of the same length");
        }
    }

    private static void checkLength(String op, String what, Object a, long atLeast) {
        int n = java.lang.reflect.Array.getLength(a);
        if (n < atLeast) {
            throw new JparException(op + ": " + what + " has " + n + " elements but needs at least " + atLeast
                    + " (from counts)");
        }
    }

    private long checkCounts(String op, int[] counts) {
        if (counts == null || counts.length != size) {
            throw new JparException(op + ": counts needs one block length per rank (" + size + "), got "
                    + (counts == null ? "null" : counts.length));
        }
        long total = 0;
        for (int r = 0; r < size; r++) {
            if (counts[r] < 0) {
                throw new JparException(op + ": counts[" + r + "] is " + counts[r] + ": block lengths must be >= 0");
            }
            total += counts[r];
        }
        return total;
    }

    private void checkOpen(String op) {
        if (closed && !world) {
            throw new JparException(op + ": this communicator was closed (freed) by this rank; use its parent, or "
                    + "make another with split/dup/cartesian");
        }
        if (closed) {
            throw new JparException(op + ": this rank already called Par.finish() (or closed its communicator); "
                    + "no communication is possible after that: finish only once, at the end of the program");
        }
    }

    private void checkRank(String op, String what, int r, boolean wildcard) {
        if (r >= 0 && r < size || r == Par.PROC_NULL && !"root".equals(what)) {
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
