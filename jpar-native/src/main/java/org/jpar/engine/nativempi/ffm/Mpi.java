package org.jpar.engine.nativempi.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;

import org.jpar.JparException;

/**
 * The C functions of MPI the engine calls, bound once ({@link Binding#bind}) to {@code static final} downcall handles of the
 * loaded library ({@link Binding#bind}), so the JIT inlines them like direct calls. Handles are {@code long}s (see {@link Abi}); buffers,
 * statuses and requests are native memory segments. Every call checks MPI's return code (the engine's communicators
 * return errors instead of aborting) and throws a {@link JparException} with MPI's own error string.
 */
final class Mpi {
    static final Library LIB;
    static final Abi ABI;
    private static final MethodHandle INIT_THREAD;
    private static final MethodHandle FINALIZE;
    private static final MethodHandle FINALIZED;
    private static final MethodHandle COMM_RANK;
    private static final MethodHandle COMM_SIZE;
    private static final MethodHandle COMM_DUP;
    private static final MethodHandle COMM_SET_ERRHANDLER;
    private static final MethodHandle COMM_GET_ATTR;
    private static final MethodHandle GET_PROCESSOR_NAME;
    private static final MethodHandle ERROR_STRING;
    private static final MethodHandle SEND;
    private static final MethodHandle RECV;
    /** {@code MPI_Recv} as a critical call that may take a heap segment ({@link #recvCritical}). */
    private static final MethodHandle RECV_CRITICAL;
    private static final MethodHandle ISEND;
    private static final MethodHandle IRECV;
    private static final MethodHandle WAIT;
    private static final MethodHandle TEST;
    private static final MethodHandle BARRIER;
    private static final MethodHandle IBARRIER;
    private static final MethodHandle BCAST;
    private static final MethodHandle IBCAST;
    private static final MethodHandle ABORT;
    private static final MethodHandle ALLREDUCE;
    private static final MethodHandle REDUCE;
    private static final MethodHandle PROBE;
    private static final MethodHandle IPROBE;
    private static final MethodHandle COMM_SPLIT;
    private static final MethodHandle COMM_FREE;
    private static final MethodHandle IALLREDUCE;
    private static final MethodHandle IREDUCE;
    private static final MethodHandle SCAN;
    private static final MethodHandle EXSCAN;
    private static final MethodHandle ISCAN;
    private static final MethodHandle IEXSCAN;
    private static final MethodHandle REDUCE_SCATTER;
    private static final MethodHandle IREDUCE_SCATTER;
    private static final MethodHandle GATHERV;
    private static final MethodHandle IGATHERV;
    private static final MethodHandle ALLGATHERV;
    private static final MethodHandle IALLGATHERV;
    private static final MethodHandle SCATTERV;
    private static final MethodHandle ISCATTERV;
    private static final MethodHandle ALLTOALL;
    private static final MethodHandle IALLTOALL;

    static {
        LIB = Binding.library;
        ABI = Binding.abi;
        if (LIB == null) {
            throw new IllegalStateException("Mpi used before bind()");
        }
        INIT_THREAD = fn("MPI_Init_thread", "ppip");
        FINALIZE = fn("MPI_Finalize", "");
        FINALIZED = fn("MPI_Finalized", "p");
        COMM_RANK = fn("MPI_Comm_rank", "hp");
        COMM_SIZE = fn("MPI_Comm_size", "hp");
        COMM_DUP = fn("MPI_Comm_dup", "hp");
        COMM_SET_ERRHANDLER = fn("MPI_Comm_set_errhandler", "hh");
        COMM_GET_ATTR = fn("MPI_Comm_get_attr", "hipp");
        GET_PROCESSOR_NAME = fn("MPI_Get_processor_name", "pp");
        ERROR_STRING = fn("MPI_Error_string", "ipp");
        SEND = fn("MPI_Send", "pihiih");
        RECV = fn("MPI_Recv", "pihiihp");
        RECV_CRITICAL = fn("MPI_Recv", "pihiihp", java.lang.foreign.Linker.Option.critical(true));
        ISEND = fn("MPI_Isend", "pihiihp");
        IRECV = fn("MPI_Irecv", "pihiihp");
        WAIT = fn("MPI_Wait", "pp");
        TEST = fn("MPI_Test", "ppp");
        BARRIER = fn("MPI_Barrier", "h");
        IBARRIER = fn("MPI_Ibarrier", "hp");
        BCAST = fn("MPI_Bcast", "pihih");
        IBCAST = fn("MPI_Ibcast", "pihihp");
        ABORT = fn("MPI_Abort", "hi");
        ALLREDUCE = fn("MPI_Allreduce", "ppihhh");
        REDUCE = fn("MPI_Reduce", "ppihhih");
        PROBE = fn("MPI_Probe", "iihp");
        IPROBE = fn("MPI_Iprobe", "iihpp");
        COMM_SPLIT = fn("MPI_Comm_split", "hiip");
        COMM_FREE = fn("MPI_Comm_free", "p");
        IALLREDUCE = fn("MPI_Iallreduce", "ppihhhp");
        IREDUCE = fn("MPI_Ireduce", "ppihhihp");
        SCAN = fn("MPI_Scan", "ppihhh");
        EXSCAN = fn("MPI_Exscan", "ppihhh");
        ISCAN = fn("MPI_Iscan", "ppihhhp");
        IEXSCAN = fn("MPI_Iexscan", "ppihhhp");
        REDUCE_SCATTER = fn("MPI_Reduce_scatter", "ppphhh");
        IREDUCE_SCATTER = fn("MPI_Ireduce_scatter", "ppphhhp");
        GATHERV = fn("MPI_Gatherv", "pihppphih");
        IGATHERV = fn("MPI_Igatherv", "pihppphihp");
        ALLGATHERV = fn("MPI_Allgatherv", "pihppphh");
        IALLGATHERV = fn("MPI_Iallgatherv", "pihppphhp");
        SCATTERV = fn("MPI_Scatterv", "ppphpihih");
        ISCATTERV = fn("MPI_Iscatterv", "ppphpihihp");
        ALLTOALL = fn("MPI_Alltoall", "pihpihh");
        IALLTOALL = fn("MPI_Ialltoall", "pihpihhp");
    }

    private Mpi() {
    }

    /**
     * Binds {@link Mpi} to a library: a separate class, as calling a static method of {@link Mpi} itself would run its
     * initializer first.
     */
    static final class Binding {
        private static Library library;
        private static Abi abi;

        private Binding() {
        }

        /** Binds the functions to {@code library}; call once, before any method of {@link Mpi}. */
        static synchronized void bind(Library library, Abi abi) {
            Binding.library = library;
            Binding.abi = abi;
            try {
                MethodHandles.lookup().ensureInitialized(Mpi.class);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * @param sig one letter per parameter: {@code p} pointer, {@code i} int, {@code h} an MPI handle (a Java
     *            {@code long}, passed as the ABI's handle type); every function returns an int error code
     */
    private static MethodHandle fn(String name, String sig, java.lang.foreign.Linker.Option... options) {
        MemoryLayout[] params = new MemoryLayout[sig.length()];
        for (int i = 0; i < params.length; i++) {
            char c = sig.charAt(i);
            params[i] = c == 'p' ? ValueLayout.ADDRESS : c == 'i' ? ValueLayout.JAVA_INT : ABI.handleLayout;
        }
        MethodHandle h = LIB.function(name, FunctionDescriptor.of(ValueLayout.JAVA_INT, params), options);
        if (ABI.handleLayout != ValueLayout.JAVA_LONG) {
            java.lang.invoke.MethodType t = h.type();
            for (int i = 0; i < params.length; i++) {
                if (sig.charAt(i) == 'h') {
                    t = t.changeParameterType(i, long.class);
                }
            }
            h = MethodHandles.explicitCastArguments(h, t);
        }
        return h;
    }

    private static void check(int rc, String call) {
        if (rc != 0) {
            String m = errorString(rc);
            boolean collective = COLLECTIVE_CALLS.contains(call.replace("MPI_I", "MPI_"));
            throw new JparException(call + " failed: " + m + (collective && m.toLowerCase(java.util.Locale.ROOT)
                    .contains("truncat") ? " (the ranks passed different array lengths, types or counts to this "
                    + "collective: every rank must pass the same type and length, and the same counts; only the "
                    + "arrays' data may differ)" : ""));
        }
    }

    /** The collectives whose MPI_ERR_TRUNCATE means the ranks' counts or types differ. */
    private static final java.util.Set<String> COLLECTIVE_CALLS = java.util.Set.of("MPI_Allgather", "MPI_Allgatherv",
            "MPI_Allreduce", "MPI_Alltoall", "MPI_Bcast", "MPI_Gatherv", "MPI_Reduce", "MPI_Reduce_scatter",
            "MPI_Scatterv", "MPI_Scan", "MPI_Exscan");

    static String errorString(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1024);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            int rc = (int) ERROR_STRING.invokeExact(code, buf, len);
            return rc == 0 ? buf.getString(0) + " (MPI error " + code + ")" : "MPI error " + code;
        } catch (Throwable t) {
            return "MPI error " + code;
        }
    }

    /** {@code MPI_Init_thread(NULL, NULL, required, &provided)}. @return the provided level */
    static int initThread(int required) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment provided = a.allocate(ValueLayout.JAVA_INT);
            int rc = (int) INIT_THREAD.invokeExact(MemorySegment.NULL, MemorySegment.NULL, required, provided);
            check(rc, "MPI_Init_thread");
            return provided.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static void finalizeMpi() {
        try {
            check((int) FINALIZE.invokeExact(), "MPI_Finalize");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static boolean finalized() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment flag = a.allocate(ValueLayout.JAVA_INT);
            check((int) FINALIZED.invokeExact(flag), "MPI_Finalized");
            return flag.get(ValueLayout.JAVA_INT, 0) != 0;
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static int rank(long comm) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
            check((int) COMM_RANK.invokeExact(comm, out), "MPI_Comm_rank");
            return out.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static int size(long comm) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
            check((int) COMM_SIZE.invokeExact(comm, out), "MPI_Comm_size");
            return out.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static long dup(long comm) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(8, 8);
            check((int) COMM_DUP.invokeExact(comm, out), "MPI_Comm_dup");
            return ABI.readHandle(out);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static void probe(int source, int tag, long comm, MemorySegment status) {
        try {
            check((int) PROBE.invokeExact(source, tag, comm, status), "MPI_Probe");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    /** @return true if a message matches now ({@code flag} is scratch space for MPI_Iprobe's flag) */
    static boolean iprobe(int source, int tag, long comm, MemorySegment flag, MemorySegment status) {
        try {
            check((int) IPROBE.invokeExact(source, tag, comm, flag, status), "MPI_Iprobe");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
        return flag.get(ValueLayout.JAVA_INT, 0) != 0;
    }

    /** {@code MPI_Comm_split}: collective over {@code comm}. @return the new communicator (COMM_NULL: none) */
    static long split(long comm, int color, int key) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(8, 8);
            check((int) COMM_SPLIT.invokeExact(comm, color, key, out), "MPI_Comm_split");
            return ABI.readHandle(out);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    /** {@code MPI_Comm_free}: local; MPI frees the communicator once its pending operations complete. */
    static void free(long comm) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment handle = a.allocate(8, 8);
            if (ABI.handleBytes == 8) {
                handle.set(ValueLayout.JAVA_LONG, 0, comm);
            } else {
                handle.set(ValueLayout.JAVA_INT, 0, (int) comm);
            }
            check((int) COMM_FREE.invokeExact(handle), "MPI_Comm_free");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static void setErrhandler(long comm, long errhandler) {
        try {
            check((int) COMM_SET_ERRHANDLER.invokeExact(comm, errhandler), "MPI_Comm_set_errhandler");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    /** @return the value of {@code MPI_TAG_UB} on {@code comm}, or -1 if MPI has none */
    static int tagUb(long comm) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(ValueLayout.ADDRESS);
            MemorySegment flag = a.allocate(ValueLayout.JAVA_INT);
            check((int) COMM_GET_ATTR.invokeExact(comm, ABI.tagUbKey, value, flag), "MPI_Comm_get_attr");
            if (flag.get(ValueLayout.JAVA_INT, 0) == 0) {
                return -1;
            }
            return value.get(ValueLayout.ADDRESS, 0).reinterpret(4).get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static String processorName() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1024);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            check((int) GET_PROCESSOR_NAME.invokeExact(buf, len), "MPI_Get_processor_name");
            return buf.getString(0);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static void send(MemorySegment buf, int count, long type, int dest, int tag, long comm) {
        int rc;
        try {
            rc = (int) SEND.invokeExact(buf, count, type, dest, tag, comm);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
        check(rc, "MPI_Send");
    }

    static void recv(MemorySegment buf, int count, long type, int source, int tag, long comm, MemorySegment status) {
        int rc;
        try {
            rc = (int) RECV.invokeExact(buf, count, type, source, tag, comm, status);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
        check(rc, "MPI_Recv");
    }

    /**
     * {@code MPI_Recv} into {@code buf}, which may be a heap segment (a Java array), as a critical call: the JVM cannot
     * reach a safepoint (no GC) while it runs. Only for a message whose sender sits in a blocking send until it is
     * delivered (its envelope seen by {@link #probe} first), so the call ends in the transfer's time, whatever any
     * Java thread does.
     */
    static void recvCritical(MemorySegment buf, int count, long type, int source, int tag, long comm,
                             MemorySegment status) {
        int rc;
        try {
            rc = (int) RECV_CRITICAL.invokeExact(buf, count, type, source, tag, comm, status);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
        check(rc, "MPI_Recv");
    }

    static void isend(MemorySegment buf, int count, long type, int dest, int tag, long comm, MemorySegment req) {
        int rc;
        try {
            rc = (int) ISEND.invokeExact(buf, count, type, dest, tag, comm, req);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
        check(rc, "MPI_Isend");
    }

    static void irecv(MemorySegment buf, int count, long type, int source, int tag, long comm, MemorySegment req) {
        int rc;
        try {
            rc = (int) IRECV.invokeExact(buf, count, type, source, tag, comm, req);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
        check(rc, "MPI_Irecv");
    }

    static void waitFor(MemorySegment req, MemorySegment status) {
        int rc;
        try {
            rc = (int) WAIT.invokeExact(req, status);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
        check(rc, "MPI_Wait");
    }

    /** @return true if the request completed ({@code flag} is scratch space for MPI_Test's flag) */
    static boolean test(MemorySegment req, MemorySegment flag, MemorySegment status) {
        int rc;
        try {
            rc = (int) TEST.invokeExact(req, flag, status);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
        check(rc, "MPI_Test");
        return flag.get(ValueLayout.JAVA_INT, 0) != 0;
    }

    static void barrier(long comm) {
        try {
            check((int) BARRIER.invokeExact(comm), "MPI_Barrier");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static void ibarrier(long comm, MemorySegment req) {
        try {
            check((int) IBARRIER.invokeExact(comm, req), "MPI_Ibarrier");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static void bcast(MemorySegment buf, int count, long type, int root, long comm) {
        try {
            check((int) BCAST.invokeExact(buf, count, type, root, comm), "MPI_Bcast");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static void ibcast(MemorySegment buf, int count, long type, int root, long comm, MemorySegment req) {
        try {
            check((int) IBCAST.invokeExact(buf, count, type, root, comm, req), "MPI_Ibcast");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static void allreduce(MemorySegment send, MemorySegment recv, int count, long type, long op, long comm) {
        try {
            check((int) ALLREDUCE.invokeExact(send, recv, count, type, op, comm), "MPI_Allreduce");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static void reduce(MemorySegment send, MemorySegment recv, int count, long type, long op, int root, long comm) {
        try {
            check((int) REDUCE.invokeExact(send, recv, count, type, op, root, comm), "MPI_Reduce");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static void iallreduce(MemorySegment send, MemorySegment recv, int count, long type, long op, long comm,
                           MemorySegment req) {
        try {
            check((int) IALLREDUCE.invokeExact(send, recv, count, type, op, comm, req), "MPI_Iallreduce");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static void ireduce(MemorySegment send, MemorySegment recv, int count, long type, long op, int root, long comm,
                        MemorySegment req) {
        try {
            check((int) IREDUCE.invokeExact(send, recv, count, type, op, root, comm, req), "MPI_Ireduce");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    /**
     * {@code MPI_Scan} ({@code exclusive}: {@code MPI_Exscan}), or when {@code req} is not null its nonblocking form
     * ({@code MPI_Iscan}, {@code MPI_Iexscan}) with the request written to {@code req}.
     */
    static void scan(MemorySegment send, MemorySegment recv, int count, long type, long op, long comm,
                     boolean exclusive, MemorySegment req) {
        try {
            int rc;
            if (req == null) {
                rc = exclusive ? (int) EXSCAN.invokeExact(send, recv, count, type, op, comm)
                        : (int) SCAN.invokeExact(send, recv, count, type, op, comm);
            } else {
                rc = exclusive ? (int) IEXSCAN.invokeExact(send, recv, count, type, op, comm, req)
                        : (int) ISCAN.invokeExact(send, recv, count, type, op, comm, req);
            }
            check(rc, exclusive ? "MPI_Exscan" : "MPI_Scan");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    /** {@code MPI_Reduce_scatter} ({@code counts}: native ints), nonblocking when {@code req} is not null. */
    static void reduceScatter(MemorySegment send, MemorySegment recv, MemorySegment counts, long type, long op,
                              long comm, MemorySegment req) {
        try {
            int rc = req == null ? (int) REDUCE_SCATTER.invokeExact(send, recv, counts, type, op, comm)
                    : (int) IREDUCE_SCATTER.invokeExact(send, recv, counts, type, op, comm, req);
            check(rc, "MPI_Reduce_scatter");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    /** {@code MPI_Gatherv} (one type on both sides), nonblocking when {@code req} is not null. */
    static void gatherv(MemorySegment send, int count, MemorySegment recv, MemorySegment counts,
                        MemorySegment displs, long type, int root, long comm, MemorySegment req) {
        try {
            int rc = req == null ? (int) GATHERV.invokeExact(send, count, type, recv, counts, displs, type, root, comm)
                    : (int) IGATHERV.invokeExact(send, count, type, recv, counts, displs, type, root, comm, req);
            check(rc, "MPI_Gatherv");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    /** {@code MPI_Allgatherv} (one type on both sides), nonblocking when {@code req} is not null. */
    static void allgatherv(MemorySegment send, int count, MemorySegment recv, MemorySegment counts,
                           MemorySegment displs, long type, long comm, MemorySegment req) {
        try {
            int rc = req == null ? (int) ALLGATHERV.invokeExact(send, count, type, recv, counts, displs, type, comm)
                    : (int) IALLGATHERV.invokeExact(send, count, type, recv, counts, displs, type, comm, req);
            check(rc, "MPI_Allgatherv");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    /** {@code MPI_Scatterv} (one type on both sides), nonblocking when {@code req} is not null. */
    static void scatterv(MemorySegment send, MemorySegment counts, MemorySegment displs, MemorySegment recv,
                         int count, long type, int root, long comm, MemorySegment req) {
        try {
            int rc = req == null ? (int) SCATTERV.invokeExact(send, counts, displs, type, recv, count, type, root, comm)
                    : (int) ISCATTERV.invokeExact(send, counts, displs, type, recv, count, type, root, comm, req);
            check(rc, "MPI_Scatterv");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    /** {@code MPI_Alltoall} of {@code block} elements per rank, nonblocking when {@code req} is not null. */
    static void alltoall(MemorySegment send, MemorySegment recv, int block, long type, long comm, MemorySegment req) {
        try {
            int rc = req == null ? (int) ALLTOALL.invokeExact(send, block, type, recv, block, type, comm)
                    : (int) IALLTOALL.invokeExact(send, block, type, recv, block, type, comm, req);
            check(rc, "MPI_Alltoall");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    /** {@code MPI_Abort}: does not return when it works. */
    static void abort(long comm, int code) {
        try {
            int rc = (int) ABORT.invokeExact(comm, code);
            check(rc, "MPI_Abort");
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    static int source(MemorySegment status) {
        return status.get(ValueLayout.JAVA_INT, ABI.statusSource);
    }

    static int tag(MemorySegment status) {
        return status.get(ValueLayout.JAVA_INT, ABI.statusTag);
    }
}
