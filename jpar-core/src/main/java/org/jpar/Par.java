package org.jpar;

import java.util.List;
import java.util.function.BinaryOperator;

import org.jpar.internal.Engines;

/**
 * PyPar's module functions for the calling rank: {@code Par.rank()}, {@code Par.size()}, {@code Par.send(msg, dest)},
 * {@code Par.receive(source)}, ... Each call goes to the calling rank's world {@link Communicator}.
 *
 * <p>Which rank is "calling" is decided per thread: the rank's own thread and every thread it starts belong to it.
 * A thread that belongs to no rank (a shared pool's thread, say) gets a clear error; pass it the communicator from
 * {@link #world()} instead. A program started with plain {@code java} (no launcher, no {@code mpirun}) is a job of
 * one rank.
 *
 * <p>PyPar's {@code finalize()} is {@link #finish()} (Java reserves the name {@code finalize}); the world
 * communicator is also {@link AutoCloseable}, for try-with-resources: {@code try (var world = Par.init(args)) {...}}.
 */
public final class Par {
    /** Receive from any rank. */
    public static final int ANY_SOURCE = -1;
    /** Receive with any tag. */
    public static final int ANY_TAG = -1;
    /** The largest tag (the smallest upper bound MPI guarantees, so programs run unchanged on every engine). */
    public static final int MAX_TAG = 32767;
    /**
     * The null rank ({@code MPI_PROC_NULL}): a send to it and a receive from it complete at once and move nothing
     * (the receive gives {@code null}, with source {@code PROC_NULL}). What {@code Cartesian.shift} gives at an open
     * edge, so stencil codes need no special case at the border.
     */
    public static final int PROC_NULL = -2;
    /** The colour of a rank that joins no new communicator in {@link Communicator#split} ({@code MPI_UNDEFINED}). */
    public static final int UNDEFINED = -32766;
    /**
     * The send argument of an array reduction, gather or all-to-all that takes its input from the receive array and
     * writes the result over it ({@code MPI_IN_PLACE}; mpi4py's {@code MPI.IN_PLACE}).
     */
    public static final Object IN_PLACE = new Object() {
        @Override
        public String toString() {
            return "Par.IN_PLACE";
        }
    };
    private static final long EPOCH = System.nanoTime();

    private Par() {
    }

    /**
     * Initializes the engine if needed and returns the calling rank's world communicator; optional (every function
     * initializes on first use), but the idiomatic start of a program: {@code try (var world = Par.init(args))}.
     *
     * @param args the program's arguments (kept for engines that read their own from them)
     */
    public static Communicator init(String[] args) {
        return world();
    }

    /** @return the calling rank's world communicator */
    public static Communicator world() {
        return Engines.world();
    }

    /**
     * Wall-clock time in seconds since an arbitrary moment of this process ({@code MPI_Wtime}; PyPar's {@code time}):
     * subtract two readings to time a section. Nanosecond resolution ({@link #tick()}); not synchronized between
     * processes.
     *
     * @return seconds, as a double
     */
    public static double time() {
        return (System.nanoTime() - EPOCH) * 1e-9;
    }

    /** @return the resolution of {@link #time()} in seconds ({@code MPI_Wtick}): 1e-9 */
    public static double tick() {
        return 1e-9;
    }

    /** See {@link Communicator#abort(int)}: ends the whole job with exit status {@code code}. */
    public static void abort(int code) {
        world().abort(code);
    }

    /**
     * A communicator of the calling rank alone ({@code MPI_COMM_SELF}; mpi4py's {@code COMM_SELF}): size 1, rank 0.
     * Local (no other rank takes part); every operation works on it, messages go from the rank to itself. A new one
     * each call, whose messages never mix with another's; closing it is optional (nothing to free).
     */
    public static Communicator self() {
        Communicator w = world();
        return new Communicator(new org.jpar.internal.SelfTransport(w.transport()), false);
    }

    /**
     * A balanced grid for {@code nranks} ranks in {@code ndims} dimensions ({@code MPI_Dims_create}; mpi4py's
     * {@code Compute_dims}): extents as close to each other as the factors of {@code nranks} allow, in non-increasing
     * order, whose product is {@code nranks}. {@code Par.dims(12, 2)} is {@code [4, 3]}, {@code Par.dims(7, 2)} is
     * {@code [7, 1]}. For {@link Communicator#cartesian(int[], boolean[])}.
     *
     * @param nranks the number of ranks, {@code >= 1}
     * @param ndims  the number of dimensions, {@code >= 1}
     * @return the extents
     * @throws JparException for {@code nranks} or {@code ndims} below 1
     */
    public static int[] dims(int nranks, int ndims) {
        if (nranks < 1 || ndims < 1) {
            throw new JparException("dims(" + nranks + ", " + ndims + "): " + (nranks < 1 ? "nranks " + nranks
                    : "ndims " + ndims) + " must be >= 1");
        }
        java.util.List<Integer> primes = new java.util.ArrayList<>();
        int n = nranks;
        for (int p = 2; (long) p * p <= n; p++) {
            while (n % p == 0) {
                primes.add(p);
                n /= p;
            }
        }
        if (n > 1) {
            primes.add(n);
        }
        int[] dims = new int[ndims];
        java.util.Arrays.fill(dims, 1);
        for (int i = primes.size() - 1; i >= 0; i--) { // largest factor first, onto the smallest extent
            int smallest = 0;
            for (int d = 1; d < ndims; d++) {
                if (dims[d] < dims[smallest]) {
                    smallest = d;
                }
            }
            dims[smallest] *= primes.get(i);
        }
        java.util.Arrays.sort(dims);
        for (int i = 0, j = ndims - 1; i < j; i++, j--) {
            int t = dims[i];
            dims[i] = dims[j];
            dims[j] = t;
        }
        return dims;
    }

    /** See {@link Communicator#sendrecv(Object, int, int, int, int)}. */
    public static <T> T sendrecv(Object message, int dest, int sendTag, int source, int receiveTag) {
        return world().sendrecv(message, dest, sendTag, source, receiveTag);
    }

    /** See {@link Communicator#sendrecvInto(Object, int, int, Object, int, int)}. */
    public static Envelope<Object> sendrecvInto(Object message, int dest, int sendTag, Object buffer, int source,
                                                int receiveTag) {
        return world().sendrecvInto(message, dest, sendTag, buffer, source, receiveTag);
    }

    /** See {@link Communicator#probe(int, int)}. */
    public static Envelope<Void> probe(int source, int tag) {
        return world().probe(source, tag);
    }

    /** See {@link Communicator#iprobe(int, int)}. */
    public static Envelope<Void> iprobe(int source, int tag) {
        return world().iprobe(source, tag);
    }

    /** See {@link Communicator#split(int, int)}. */
    public static Communicator split(int color, int key) {
        return world().split(color, key);
    }

    /** See {@link Communicator#dup()}. */
    public static Communicator dup() {
        return world().dup();
    }

    /** See {@link Communicator#cartesian(int[], boolean[])}. */
    public static Cartesian cartesian(int[] dims, boolean[] periodic) {
        return world().cartesian(dims, periodic);
    }

    /** @return the number of ranks in the job */
    public static int size() {
        return world().size();
    }

    /** @return the calling rank, 0 to {@code size() - 1} */
    public static int rank() {
        return world().rank();
    }

    /** @return the name of the node this rank runs on */
    public static String processorName() {
        return world().processorName();
    }

    /** See {@link Communicator#send(Object, int)}. */
    public static void send(Object message, int dest) {
        world().send(message, dest);
    }

    /** See {@link Communicator#send(Object, int, int)}. */
    public static void send(Object message, int dest, int tag) {
        world().send(message, dest, tag);
    }

    /** See {@link Communicator#receive(int)}. */
    public static <T> T receive(int source) {
        return world().receive(source);
    }

    /** See {@link Communicator#receive(int, int)}. */
    public static <T> T receive(int source, int tag) {
        return world().receive(source, tag);
    }

    /** See {@link Communicator#receive(int, int, Class)}. */
    public static <T> T receive(int source, int tag, Class<T> type) {
        return world().receive(source, tag, type);
    }

    /** See {@link Communicator#receiveEnvelope(int, int)}. */
    public static Envelope<Object> receiveEnvelope(int source, int tag) {
        return world().receiveEnvelope(source, tag);
    }

    /** See {@link Communicator#receiveInto(Object, int, int)}. */
    public static Envelope<Object> receiveInto(Object buffer, int source, int tag) {
        return world().receiveInto(buffer, source, tag);
    }

    /** See {@link Communicator#isend(Object, int, int)}. */
    public static Request<Void> isend(Object message, int dest, int tag) {
        return world().isend(message, dest, tag);
    }

    /** See {@link Communicator#ireceive(int, int)}. */
    public static <T> Request<T> ireceive(int source, int tag) {
        return world().ireceive(source, tag);
    }

    /** See {@link Communicator#barrier()}. */
    public static void barrier() {
        world().barrier();
    }

    /** See {@link Communicator#broadcast(Object, int)}. */
    public static <T> T broadcast(T message, int root) {
        return world().broadcast(message, root);
    }

    /** See {@link Communicator#gather(Object, int)}. */
    public static <T> List<T> gather(T value, int root) {
        return world().gather(value, root);
    }

    /** See {@link Communicator#allgather(Object)}. */
    public static <T> List<T> allgather(T value) {
        return world().allgather(value);
    }

    /** See {@link Communicator#scatter(List, int)}. */
    public static <T> T scatter(List<T> values, int root) {
        return world().scatter(values, root);
    }

    /** See {@link Communicator#reduce(Object, BinaryOperator, int)}. */
    public static <T> T reduce(T value, BinaryOperator<T> op, int root) {
        return world().reduce(value, op, root);
    }

    /** See {@link Communicator#allreduce(Object, BinaryOperator)}. */
    public static <T> T allreduce(T value, BinaryOperator<T> op) {
        return world().allreduce(value, op);
    }

    /**
     * PyPar's {@code finalize()}: ends the calling rank's communication; afterwards every operation of this rank
     * fails. Idempotent. Never waits for the other ranks, so it is safe on the way out of a failing rank
     * (try-with-resources, a {@code finally} block): the exception still stops the whole job. On the Open MPI engine,
     * {@code MPI_Finalize} (which waits for every rank) runs when the process ends normally.
     */
    public static void finish() {
        world().close();
    }
}
