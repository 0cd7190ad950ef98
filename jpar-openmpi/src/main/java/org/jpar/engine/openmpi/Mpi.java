package org.jpar.engine.openmpi;

import static java.lang.invoke.MethodType.methodType;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.Buffer;
import java.nio.ByteBuffer;

import org.jpar.JparException;

/**
 * Open MPI's Java bindings ({@code mpi.*} in the installation's {@code mpi.jar}), reached at run time so that jpar
 * compiles and packages without them. Every method is bound once to a {@code static final} method handle, which the
 * JIT inlines like a direct call. Objects of the bindings ({@code Comm}, {@code Datatype}, {@code Status},
 * {@code Request}) travel as {@code Object}. A failing call ({@code MPIException}) becomes a {@link JparException}.
 *
 * <p>The class initializes on first use, from {@link OpenMpiInstallation#forThisProcess()} (locate it first, to get
 * its clear error instead of an {@link ExceptionInInitializerError}).
 *
 * <p>Public only for {@code jpar bench}'s raw-bindings baselines ({@code org.jpar.bench}); not API.
 */
public final class Mpi {
    private static final Class<?> MPI;
    private static final Class<?> MPI_EXCEPTION;

    private static final MethodHandle INIT;
    private static final MethodHandle INIT_THREAD;
    private static final MethodHandle FINALIZE;
    private static final MethodHandle PROCESSOR_NAME;
    private static final MethodHandle NEW_BYTE_BUFFER;
    private static final MethodHandle SEND;
    private static final MethodHandle RECV;
    private static final MethodHandle ISEND;
    private static final MethodHandle IRECV;
    private static final MethodHandle BARRIER;
    private static final MethodHandle IBARRIER;
    private static final MethodHandle BCAST;
    private static final MethodHandle IBCAST;
    private static final MethodHandle DUP;
    private static final MethodHandle SET_ERRHANDLER;
    private static final MethodHandle GET_RANK;
    private static final MethodHandle GET_SIZE;
    private static final MethodHandle GET_ATTR;
    private static final MethodHandle ABORT;
    private static final MethodHandle WAIT_STATUS;
    private static final MethodHandle TEST_STATUS;
    private static final MethodHandle STATUS_SOURCE;
    private static final MethodHandle STATUS_TAG;

    // ---- native collectives on arrays (OpenMpiCollectives); blocking take arrays or direct buffers, i* direct only
    private static final MethodHandle REDUCE;
    private static final MethodHandle REDUCE_IN_PLACE;
    private static final MethodHandle IREDUCE;
    private static final MethodHandle IREDUCE_IN_PLACE;
    private static final MethodHandle ALL_REDUCE;
    private static final MethodHandle ALL_REDUCE_IN_PLACE;
    private static final MethodHandle IALL_REDUCE;
    private static final MethodHandle SCAN;
    private static final MethodHandle ISCAN;
    private static final MethodHandle EX_SCAN;
    private static final MethodHandle IEX_SCAN;
    private static final MethodHandle REDUCE_SCATTER;
    private static final MethodHandle IREDUCE_SCATTER;
    private static final MethodHandle GATHERV;
    private static final MethodHandle GATHERV_IN_PLACE;
    private static final MethodHandle IGATHERV;
    private static final MethodHandle ALL_GATHERV;
    private static final MethodHandle IALL_GATHERV;
    private static final MethodHandle SCATTERV;
    private static final MethodHandle ISCATTERV;
    private static final MethodHandle ALL_TO_ALL;
    private static final MethodHandle IALL_TO_ALL;
    private static final MethodHandle ALL_GATHER;

    static {
        OpenMpiInstallation installation = OpenMpiInstallation.forThisProcess();
        ClassLoader loader = installation.classLoader(Mpi.class.getClassLoader());
        try {
            MPI = Class.forName("mpi.MPI", false, loader);
            MPI_EXCEPTION = Class.forName("mpi.MPIException", false, loader);
            Class<?> comm = Class.forName("mpi.Comm", false, loader);
            Class<?> datatype = Class.forName("mpi.Datatype", false, loader);
            Class<?> status = Class.forName("mpi.Status", false, loader);
            Class<?> request = Class.forName("mpi.Request", false, loader);
            Class<?> errhandler = Class.forName("mpi.Errhandler", false, loader);
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            INIT = l.findStatic(MPI, "Init", methodType(String[].class, String[].class));
            INIT_THREAD = l.findStatic(MPI, "InitThread", methodType(int.class, String[].class, int.class));
            FINALIZE = l.findStatic(MPI, "Finalize", methodType(void.class));
            PROCESSOR_NAME = l.findStatic(MPI, "getProcessorName", methodType(String.class));
            NEW_BYTE_BUFFER = l.findStatic(MPI, "newByteBuffer", methodType(ByteBuffer.class, int.class));
            SEND = virtual(l, comm, "send", void.class, Object.class, int.class, datatype, int.class, int.class);
            RECV = virtual(l, comm, "recv", status, Object.class, int.class, datatype, int.class, int.class);
            ISEND = virtual(l, comm, "iSend", request, Buffer.class, int.class, datatype, int.class, int.class);
            IRECV = virtual(l, comm, "iRecv", request, Buffer.class, int.class, datatype, int.class, int.class);
            BARRIER = virtual(l, comm, "barrier", void.class);
            IBARRIER = virtual(l, comm, "iBarrier", request);
            BCAST = virtual(l, comm, "bcast", void.class, Object.class, int.class, datatype, int.class);
            IBCAST = virtual(l, comm, "iBcast", request, Buffer.class, int.class, datatype, int.class);
            DUP = virtual(l, comm, "dup", comm);
            SET_ERRHANDLER = virtual(l, comm, "setErrhandler", void.class, errhandler);
            GET_RANK = virtual(l, comm, "getRank", int.class);
            GET_SIZE = virtual(l, comm, "getSize", int.class);
            GET_ATTR = virtual(l, comm, "getAttr", Object.class, int.class);
            ABORT = virtual(l, comm, "abort", void.class, int.class);
            WAIT_STATUS = virtual(l, request, "waitStatus", status);
            TEST_STATUS = virtual(l, request, "testStatus", status);
            STATUS_SOURCE = virtual(l, status, "getSource", int.class);
            STATUS_TAG = virtual(l, status, "getTag", int.class);

            // ---- native collectives on arrays (OpenMpiCollectives)
            Class<?> intracomm = Class.forName("mpi.Intracomm", false, loader);
            Class<?> op = Class.forName("mpi.Op", false, loader);
            Class<?> o = Object.class;
            Class<?> b = Buffer.class;
            Class<?> i = int.class;
            Class<?> v = void.class;
            Class<?> is = int[].class;
            REDUCE = virtual(l, comm, "reduce", v, o, o, i, datatype, op, i);
            REDUCE_IN_PLACE = virtual(l, comm, "reduce", v, o, i, datatype, op, i);
            IREDUCE = virtual(l, comm, "iReduce", request, b, b, i, datatype, op, i);
            IREDUCE_IN_PLACE = virtual(l, comm, "iReduce", request, b, i, datatype, op, i);
            ALL_REDUCE = virtual(l, comm, "allReduce", v, o, o, i, datatype, op);
            ALL_REDUCE_IN_PLACE = virtual(l, comm, "allReduce", v, o, i, datatype, op);
            IALL_REDUCE = virtual(l, comm, "iAllReduce", request, b, b, i, datatype, op);
            SCAN = virtual(l, intracomm, "scan", v, o, o, i, datatype, op);
            ISCAN = virtual(l, intracomm, "iScan", request, b, b, i, datatype, op);
            EX_SCAN = virtual(l, intracomm, "exScan", v, o, o, i, datatype, op);
            IEX_SCAN = virtual(l, intracomm, "iExScan", request, b, b, i, datatype, op);
            REDUCE_SCATTER = virtual(l, comm, "reduceScatter", v, o, o, is, datatype, op);
            IREDUCE_SCATTER = virtual(l, comm, "iReduceScatter", request, b, b, is, datatype, op);
            GATHERV = virtual(l, comm, "gatherv", v, o, i, datatype, o, is, is, datatype, i);
            GATHERV_IN_PLACE = virtual(l, comm, "gatherv", v, o, is, is, datatype, i);
            IGATHERV = virtual(l, comm, "iGatherv", request, b, i, datatype, b, is, is, datatype, i);
            ALL_GATHERV = virtual(l, comm, "allGatherv", v, o, i, datatype, o, is, is, datatype);
            IALL_GATHERV = virtual(l, comm, "iAllGatherv", request, b, i, datatype, b, is, is, datatype);
            SCATTERV = virtual(l, comm, "scatterv", v, o, is, is, datatype, o, i, datatype, i);
            ISCATTERV = virtual(l, comm, "iScatterv", request, b, is, is, datatype, b, i, datatype, i);
            ALL_TO_ALL = virtual(l, comm, "allToAll", v, o, i, datatype, o, i, datatype);
            IALL_TO_ALL = virtual(l, comm, "iAllToAll", request, b, i, datatype, b, i, datatype);
            ALL_GATHER = virtual(l, comm, "allGather", v, o, i, datatype, o, i, datatype);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new JparException(installation.jar() + " does not have the API of Open MPI's Java bindings "
                    + "(4.1 or 5.0) that jpar uses: " + e + "; give the mpi.jar of your Open MPI installation", e);
        }
    }

    private Mpi() {
    }

    /** A virtual method as a handle whose binding-typed parameters and result are erased to {@code Object}. */
    private static MethodHandle virtual(MethodHandles.Lookup l, Class<?> owner, String name, Class<?> result,
                                        Class<?>... params) throws ReflectiveOperationException {
        MethodHandle h = l.findVirtual(owner, name, methodType(result, params));
        return h.asType(h.type().erase());
    }

    /** @return the value of the static field {@code mpi.MPI.name} (read after {@code MPI_Init}) */
    public static Object constant(String name) {
        try {
            return MPI.getField(name).get(null);
        } catch (ReflectiveOperationException e) {
            throw new JparException("mpi.MPI has no field " + name + ": " + e, e);
        }
    }

    /** @return {@code constant(name)} as an int */
    public static int intConstant(String name) {
        return (Integer) constant(name);
    }

    public static void init(String[] args) {
        try {
            Object ignored = (String[]) INIT.invokeExact(args);
        } catch (Throwable t) {
            throw fail("MPI_Init", t);
        }
    }

    public static int initThread(String[] args, int required) {
        try {
            return (int) INIT_THREAD.invokeExact(args, required);
        } catch (Throwable t) {
            throw fail("MPI_Init_thread", t);
        }
    }

    public static void finish() {
        try {
            FINALIZE.invokeExact();
        } catch (Throwable t) {
            throw fail("MPI_Finalize", t);
        }
    }

    static String processorName() {
        try {
            return (String) PROCESSOR_NAME.invokeExact();
        } catch (Throwable t) {
            throw fail("MPI_Get_processor_name", t);
        }
    }

    /** @return a direct buffer in native byte order, as {@code MPI.newByteBuffer} */
    public static ByteBuffer newByteBuffer(int capacity) {
        try {
            return (ByteBuffer) NEW_BYTE_BUFFER.invokeExact(capacity);
        } catch (Throwable t) {
            throw fail("MPI.newByteBuffer", t);
        }
    }

    /** {@code comm.send(buf, count, type, dest, tag)}: {@code buf} is an array or a direct buffer. */
    public static void send(Object comm, Object buf, int count, Object type, int dest, int tag) {
        try {
            SEND.invokeExact(comm, buf, count, type, dest, tag);
        } catch (Throwable t) {
            throw fail("MPI_Send", t);
        }
    }

    /** @return the {@code Status} of {@code comm.recv(buf, count, type, source, tag)} */
    public static Object recv(Object comm, Object buf, int count, Object type, int source, int tag) {
        try {
            return (Object) RECV.invokeExact(comm, buf, count, type, source, tag);
        } catch (Throwable t) {
            throw fail("MPI_Recv", t);
        }
    }

    /** @return the {@code Request} of {@code comm.iSend(buf, ...)}; {@code buf} is a direct buffer */
    static Object isend(Object comm, ByteBuffer buf, int count, Object type, int dest, int tag) {
        try {
            return (Object) ISEND.invokeExact(comm, (Object) buf, count, type, dest, tag);
        } catch (Throwable t) {
            throw fail("MPI_Isend", t);
        }
    }

    /** @return the {@code Request} of {@code comm.iRecv(buf, ...)}; {@code buf} is a direct buffer */
    static Object irecv(Object comm, ByteBuffer buf, int count, Object type, int source, int tag) {
        try {
            return (Object) IRECV.invokeExact(comm, (Object) buf, count, type, source, tag);
        } catch (Throwable t) {
            throw fail("MPI_Irecv", t);
        }
    }

    public static void barrier(Object comm) {
        try {
            BARRIER.invokeExact(comm);
        } catch (Throwable t) {
            throw fail("MPI_Barrier", t);
        }
    }

    static Object ibarrier(Object comm) {
        try {
            return (Object) IBARRIER.invokeExact(comm);
        } catch (Throwable t) {
            throw fail("MPI_Ibarrier", t);
        }
    }

    static void bcast(Object comm, Object buf, int count, Object type, int root) {
        try {
            BCAST.invokeExact(comm, buf, count, type, root);
        } catch (Throwable t) {
            throw fail("MPI_Bcast", t);
        }
    }

    static Object ibcast(Object comm, ByteBuffer buf, int count, Object type, int root) {
        try {
            return (Object) IBCAST.invokeExact(comm, (Object) buf, count, type, root);
        } catch (Throwable t) {
            throw fail("MPI_Ibcast", t);
        }
    }

    static Object dup(Object comm) {
        try {
            return (Object) DUP.invokeExact(comm);
        } catch (Throwable t) {
            throw fail("MPI_Comm_dup", t);
        }
    }

    static void setErrhandler(Object comm, Object errhandler) {
        try {
            SET_ERRHANDLER.invokeExact(comm, errhandler);
        } catch (Throwable t) {
            throw fail("MPI_Comm_set_errhandler", t);
        }
    }

    public static int rank(Object comm) {
        try {
            return (int) GET_RANK.invokeExact(comm);
        } catch (Throwable t) {
            throw fail("MPI_Comm_rank", t);
        }
    }

    public static int size(Object comm) {
        try {
            return (int) GET_SIZE.invokeExact(comm);
        } catch (Throwable t) {
            throw fail("MPI_Comm_size", t);
        }
    }

    static Object attr(Object comm, int keyval) {
        try {
            return (Object) GET_ATTR.invokeExact(comm, keyval);
        } catch (Throwable t) {
            throw fail("MPI_Comm_get_attr", t);
        }
    }

    public static void abort(Object comm, int code) {
        try {
            ABORT.invokeExact(comm, code);
        } catch (Throwable t) {
            throw fail("MPI_Abort", t);
        }
    }

    /** @return the {@code Status} once {@code request} is complete */
    static Object waitStatus(Object request) {
        try {
            return (Object) WAIT_STATUS.invokeExact(request);
        } catch (Throwable t) {
            throw fail("MPI_Wait", t);
        }
    }

    /** @return the {@code Status} if {@code request} is complete, else null; never blocks */
    static Object testStatus(Object request) {
        try {
            return (Object) TEST_STATUS.invokeExact(request);
        } catch (Throwable t) {
            throw fail("MPI_Test", t);
        }
    }

    static int source(Object status) {
        try {
            return (int) STATUS_SOURCE.invokeExact(status);
        } catch (Throwable t) {
            throw fail("Status.getSource", t);
        }
    }

    static int tag(Object status) {
        try {
            return (int) STATUS_TAG.invokeExact(status);
        } catch (Throwable t) {
            throw fail("Status.getTag", t);
        }
    }

    // ---------------------------------------------------------------- native collectives on arrays
    // (OpenMpiCollectives; issue 10). {@code buf} arguments are primitive arrays or direct buffers for the blocking
    // calls, direct buffers only for the nonblocking ones ({@code i...}, which return the {@code Request}). A null
    // recv is passed on as null (a rank where MPI ignores it). Counts and displacements are in elements of
    // {@code type}.

    /** {@code MPI_Reduce}; {@code send == null} means {@code MPI_IN_PLACE} at root ({@code recv} holds the input). */
    static void reduce(Object comm, Object send, Object recv, int count, Object type, Object op, int root) {
        try {
            if (send == null) {
                REDUCE_IN_PLACE.invokeExact(comm, recv, count, type, op, root);
            } else {
                REDUCE.invokeExact(comm, send, recv, count, type, op, root);
            }
        } catch (Throwable t) {
            throw fail("MPI_Reduce", t);
        }
    }

    static Object ireduce(Object comm, Buffer send, Buffer recv, int count, Object type, Object op, int root) {
        try {
            return send == null ? (Object) IREDUCE_IN_PLACE.invokeExact(comm, (Object) recv, count, type, op, root)
                    : (Object) IREDUCE.invokeExact(comm, (Object) send, (Object) recv, count, type, op, root);
        } catch (Throwable t) {
            throw fail("MPI_Ireduce", t);
        }
    }

    /** {@code MPI_Allreduce}; {@code send == null} means {@code MPI_IN_PLACE}. */
    public static void allReduce(Object comm, Object send, Object recv, int count, Object type, Object op) {
        try {
            if (send == null) {
                ALL_REDUCE_IN_PLACE.invokeExact(comm, recv, count, type, op);
            } else {
                ALL_REDUCE.invokeExact(comm, send, recv, count, type, op);
            }
        } catch (Throwable t) {
            throw fail("MPI_Allreduce", t);
        }
    }

    static Object iallReduce(Object comm, Buffer send, Buffer recv, int count, Object type, Object op) {
        try {
            return (Object) IALL_REDUCE.invokeExact(comm, (Object) send, (Object) recv, count, type, op);
        } catch (Throwable t) {
            throw fail("MPI_Iallreduce", t);
        }
    }

    /** {@code MPI_Scan} or ({@code exclusive}) {@code MPI_Exscan}. */
    static void scan(Object comm, Object send, Object recv, int count, Object type, Object op, boolean exclusive) {
        try {
            if (exclusive) {
                EX_SCAN.invokeExact(comm, send, recv, count, type, op);
            } else {
                SCAN.invokeExact(comm, send, recv, count, type, op);
            }
        } catch (Throwable t) {
            throw fail(exclusive ? "MPI_Exscan" : "MPI_Scan", t);
        }
    }

    static Object iscan(Object comm, Buffer send, Buffer recv, int count, Object type, Object op, boolean exclusive) {
        try {
            return exclusive ? (Object) IEX_SCAN.invokeExact(comm, (Object) send, (Object) recv, count, type, op)
                    : (Object) ISCAN.invokeExact(comm, (Object) send, (Object) recv, count, type, op);
        } catch (Throwable t) {
            throw fail(exclusive ? "MPI_Iexscan" : "MPI_Iscan", t);
        }
    }

    static void reduceScatter(Object comm, Object send, Object recv, int[] counts, Object type, Object op) {
        try {
            REDUCE_SCATTER.invokeExact(comm, send, recv, (Object) counts, type, op);
        } catch (Throwable t) {
            throw fail("MPI_Reduce_scatter", t);
        }
    }

    static Object ireduceScatter(Object comm, Buffer send, Buffer recv, int[] counts, Object type, Object op) {
        try {
            return (Object) IREDUCE_SCATTER.invokeExact(comm, (Object) send, (Object) recv, (Object) counts, type, op);
        } catch (Throwable t) {
            throw fail("MPI_Ireduce_scatter", t);
        }
    }

    /** {@code MPI_Gatherv}; {@code send == null} means {@code MPI_IN_PLACE} at root (its block already in recv). */
    static void gatherv(Object comm, Object send, int sendCount, Object recv, int[] counts, int[] displs,
                        Object type, int root) {
        try {
            if (send == null) {
                GATHERV_IN_PLACE.invokeExact(comm, recv, (Object) counts, (Object) displs, type, root);
            } else {
                GATHERV.invokeExact(comm, send, sendCount, type, recv, (Object) counts, (Object) displs, type, root);
            }
        } catch (Throwable t) {
            throw fail("MPI_Gatherv", t);
        }
    }

    static Object igatherv(Object comm, Buffer send, int sendCount, Buffer recv, int[] counts, int[] displs,
                           Object type, int root) {
        try {
            return (Object) IGATHERV.invokeExact(comm, (Object) send, sendCount, type, (Object) recv, (Object) counts,
                    (Object) displs, type, root);
        } catch (Throwable t) {
            throw fail("MPI_Igatherv", t);
        }
    }

    static void allGatherv(Object comm, Object send, int sendCount, Object recv, int[] counts, int[] displs,
                           Object type) {
        try {
            ALL_GATHERV.invokeExact(comm, send, sendCount, type, recv, (Object) counts, (Object) displs, type);
        } catch (Throwable t) {
            throw fail("MPI_Allgatherv", t);
        }
    }

    static Object iallGatherv(Object comm, Buffer send, int sendCount, Buffer recv, int[] counts, int[] displs,
                              Object type) {
        try {
            return (Object) IALL_GATHERV.invokeExact(comm, (Object) send, sendCount, type, (Object) recv,
                    (Object) counts, (Object) displs, type);
        } catch (Throwable t) {
            throw fail("MPI_Iallgatherv", t);
        }
    }

    static void scatterv(Object comm, Object send, int[] counts, int[] displs, Object recv, int recvCount,
                         Object type, int root) {
        try {
            SCATTERV.invokeExact(comm, send, (Object) counts, (Object) displs, type, recv, recvCount, type, root);
        } catch (Throwable t) {
            throw fail("MPI_Scatterv", t);
        }
    }

    static Object iscatterv(Object comm, Buffer send, int[] counts, int[] displs, Buffer recv, int recvCount,
                            Object type, int root) {
        try {
            return (Object) ISCATTERV.invokeExact(comm, (Object) send, (Object) counts, (Object) displs, type,
                    (Object) recv, recvCount, type, root);
        } catch (Throwable t) {
            throw fail("MPI_Iscatterv", t);
        }
    }

    /** {@code MPI_Alltoall} of {@code count} elements per rank. */
    public static void allToAll(Object comm, Object send, Object recv, int count, Object type) {
        try {
            ALL_TO_ALL.invokeExact(comm, send, count, type, recv, count, type);
        } catch (Throwable t) {
            throw fail("MPI_Alltoall", t);
        }
    }

    static Object iallToAll(Object comm, Buffer send, Buffer recv, int count, Object type) {
        try {
            return (Object) IALL_TO_ALL.invokeExact(comm, (Object) send, count, type, (Object) recv, count, type);
        } catch (Throwable t) {
            throw fail("MPI_Ialltoall", t);
        }
    }

    /** {@code MPI_Allgather} of {@code count} elements per rank. */
    static void allGather(Object comm, Object send, Object recv, int count, Object type) {
        try {
            ALL_GATHER.invokeExact(comm, send, count, type, recv, count, type);
        } catch (Throwable t) {
            throw fail("MPI_Allgather", t);
        }
    }

    /** {@code comm.bcast(buf, count, type, root)}: {@code buf} is an array or a direct buffer. */
    public static void broadcast(Object comm, Object buf, int count, Object type, int root) {
        bcast(comm, buf, count, type, root);
    }

    /** @return a duplicate of {@code comm} ({@code MPI_Comm_dup}; for jpar bench's in-process raw baselines) */
    public static Object duplicate(Object comm) {
        return dup(comm);
    }
    // ---------------------------------------------------------------- end of native collectives on arrays

    /** Rethrows unchecked throwables; turns Open MPI's checked {@code MPIException} into a {@link JparException}. */
    static RuntimeException fail(String call, Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (MPI_EXCEPTION.isInstance(t)) {
            return new JparException("Open MPI: " + call + " failed: " + t.getMessage(), t);
        }
        return new JparException("Open MPI: " + call + " failed: " + t, t);
    }

    // ---------------------------------------------------------------- communicators and probes (issue 10)

    /**
     * The bindings for sub-communicators and probes ({@code MPI_Comm_split}, {@code MPI_Comm_free}, {@code MPI_Probe},
     * {@code MPI_Iprobe}), bound on first use from the same {@code mpi.jar} as the rest.
     */
    static final class Comms {
        private static final MethodHandle SPLIT;
        private static final MethodHandle FREE;
        private static final MethodHandle PROBE;
        private static final MethodHandle IPROBE;
        private static final MethodHandle IS_NULL;

        static {
            try {
                ClassLoader loader = MPI.getClassLoader();
                Class<?> comm = Class.forName("mpi.Comm", false, loader);
                Class<?> intracomm = Class.forName("mpi.Intracomm", false, loader);
                Class<?> status = Class.forName("mpi.Status", false, loader);
                MethodHandles.Lookup l = MethodHandles.publicLookup();
                SPLIT = virtual(l, intracomm, "split", intracomm, int.class, int.class);
                FREE = virtual(l, comm, "free", void.class);
                PROBE = virtual(l, comm, "probe", status, int.class, int.class);
                IPROBE = virtual(l, comm, "iProbe", status, int.class, int.class);
                IS_NULL = virtual(l, comm, "isNull", boolean.class);
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new JparException("mpi.jar does not have the communicator API of Open MPI's Java bindings "
                        + "(4.1 or 5.0) that jpar uses: " + e + "; give the mpi.jar of your Open MPI installation", e);
            }
        }

        private Comms() {
        }

        /** @return {@code comm.split(color, key)} (an {@code Intracomm}; {@code MPI_COMM_NULL}'s for UNDEFINED) */
        static Object split(Object comm, int color, int key) {
            try {
                return (Object) SPLIT.invokeExact(comm, color, key);
            } catch (Throwable t) {
                throw fail("MPI_Comm_split", t);
            }
        }

        /** @return true for {@code MPI_COMM_NULL} (what split gives a rank of colour UNDEFINED) */
        static boolean isNull(Object comm) {
            try {
                return (boolean) IS_NULL.invokeExact(comm);
            } catch (Throwable t) {
                throw fail("Comm.isNull", t);
            }
        }

        static void free(Object comm) {
            try {
                FREE.invokeExact(comm);
            } catch (Throwable t) {
                throw fail("MPI_Comm_free", t);
            }
        }

        /** @return the {@code Status} of the first matching message, once there is one ({@code MPI_Probe}) */
        static Object probe(Object comm, int source, int tag) {
            try {
                return (Object) PROBE.invokeExact(comm, source, tag);
            } catch (Throwable t) {
                throw fail("MPI_Probe", t);
            }
        }

        /** @return the {@code Status} of the first matching message, or null if none has arrived ({@code MPI_Iprobe}) */
        static Object iprobe(Object comm, int source, int tag) {
            try {
                return (Object) IPROBE.invokeExact(comm, source, tag);
            } catch (Throwable t) {
                throw fail("MPI_Iprobe", t);
            }
        }
    }
}
