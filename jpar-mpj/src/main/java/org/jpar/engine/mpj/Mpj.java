package org.jpar.engine.mpj;

import static java.lang.invoke.MethodType.methodType;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;

import org.jpar.JparException;

/**
 * MPJ Express's mpiJava 1.2 API ({@code mpi.*} in the installation's {@code mpi.jar}), reached at run time so that jpar
 * compiles and packages without it (MPJ's {@code mpi.*} and Open MPI's define the same class names and can never
 * share a class path). One instance per class loader of {@code mpi.jar}: in the multicore device every rank has its
 * own copy of {@code mpi.*} (its {@code MPI.COMM_WORLD} is static), so every rank has its own {@code Mpj}. Objects of
 * the API ({@code Comm}, {@code Datatype}, {@code Status}, {@code Request}) travel as {@code Object}; a failing call
 * ({@code MPIException}) becomes a {@link JparException}.
 *
 * <p>Public only for {@code jpar bench}'s raw MPJ baseline; not API.
 */
public final class Mpj {
    private final Class<?> mpi;
    private final MethodHandle init;
    private final MethodHandle finish;
    private final MethodHandle processorName;
    private final MethodHandle send;
    private final MethodHandle recv;
    private final MethodHandle isend;
    private final MethodHandle irecv;
    private final MethodHandle rank;
    private final MethodHandle size;
    private final MethodHandle abort;
    private final MethodHandle barrier;
    private final MethodHandle dup;
    private final MethodHandle split;
    private final MethodHandle group;
    private final MethodHandle incl;
    private final MethodHandle create;
    private final MethodHandle iprobe;
    private final MethodHandle waitStatus;
    private final MethodHandle testStatus;
    private final MethodHandle statusSource;
    private final MethodHandle statusTag;
    private final MethodHandle statusCount;

    /** Binds the API in {@code loader} (which must see {@code mpi.jar} and the device it runs). */
    public Mpj(ClassLoader loader, String where) {
        try {
            mpi = Class.forName("mpi.MPI", false, loader);
            Class<?> comm = Class.forName("mpi.Comm", false, loader);
            Class<?> intracomm = Class.forName("mpi.Intracomm", false, loader);
            Class<?> datatype = Class.forName("mpi.Datatype", false, loader);
            Class<?> status = Class.forName("mpi.Status", false, loader);
            Class<?> devStatus = Class.forName("mpjdev.Status", false, loader);
            Class<?> request = Class.forName("mpi.Request", false, loader);
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            init = l.findStatic(mpi, "Init", methodType(String[].class, String[].class));
            finish = l.findStatic(mpi, "Finalize", methodType(void.class));
            processorName = l.findStatic(mpi, "Get_processor_name", methodType(String.class));
            send = erased(l.findVirtual(comm, "Send",
                    methodType(void.class, Object.class, int.class, int.class, datatype, int.class, int.class)));
            recv = erased(l.findVirtual(comm, "Recv",
                    methodType(status, Object.class, int.class, int.class, datatype, int.class, int.class)));
            isend = erased(l.findVirtual(comm, "Isend",
                    methodType(request, Object.class, int.class, int.class, datatype, int.class, int.class)));
            irecv = erased(l.findVirtual(comm, "Irecv",
                    methodType(request, Object.class, int.class, int.class, datatype, int.class, int.class)));
            rank = erased(l.findVirtual(comm, "Rank", methodType(int.class)));
            size = erased(l.findVirtual(comm, "Size", methodType(int.class)));
            abort = erased(l.findVirtual(comm, "Abort", methodType(void.class, int.class)));
            barrier = erased(l.findVirtual(intracomm, "Barrier", methodType(void.class)));
            dup = erased(l.findVirtual(intracomm, "clone", methodType(Object.class)));
            split = erased(l.findVirtual(intracomm, "Split", methodType(intracomm, int.class, int.class)));
            Class<?> groupClass = Class.forName("mpi.Group", false, loader);
            group = erased(l.findVirtual(comm, "Group", methodType(groupClass)));
            incl = erased(l.findVirtual(groupClass, "Incl", methodType(groupClass, int[].class)));
            create = erased(l.findVirtual(intracomm, "Create", methodType(intracomm, groupClass)));
            iprobe = erased(l.findVirtual(comm, "Iprobe", methodType(status, int.class, int.class)));
            waitStatus = erased(l.findVirtual(request, "Wait", methodType(status)));
            testStatus = erased(l.findVirtual(request, "Test", methodType(status)));
            statusSource = erased(l.findGetter(devStatus, "source", int.class));
            statusTag = erased(l.findGetter(devStatus, "tag", int.class));
            statusCount = erased(l.findVirtual(status, "Get_count", methodType(int.class, datatype)));
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new JparException(where + " does not have the mpiJava 1.2 API of MPJ Express (0.44) that jpar uses: "
                    + e + "; give the MPJ_HOME of an MPJ Express installation", e);
        }
    }

    private static MethodHandle erased(MethodHandle h) {
        return h.asType(h.type().erase());
    }

    /** @return the value of the static field {@code mpi.MPI.name} (read after {@code MPI.Init}) */
    public Object constant(String name) {
        try {
            return mpi.getField(name).get(null);
        } catch (ReflectiveOperationException e) {
            throw new JparException("mpi.MPI of MPJ Express has no field " + name + ": " + e, e);
        }
    }

    public int intConstant(String name) {
        return (Integer) constant(name);
    }

    public void init(String[] args) {
        try {
            Object ignored = (String[]) init.invokeExact(args);
        } catch (Throwable t) {
            throw fail("MPI.Init", t);
        }
    }

    public void finish() {
        try {
            finish.invokeExact();
        } catch (Throwable t) {
            throw fail("MPI.Finalize", t);
        }
    }

    public String processorName() {
        try {
            return (String) processorName.invokeExact();
        } catch (Throwable t) {
            throw fail("MPI.Get_processor_name", t);
        }
    }

    public void send(Object comm, Object buf, int offset, int count, Object type, int dest, int tag) {
        try {
            send.invokeExact(comm, buf, offset, count, type, dest, tag);
        } catch (Throwable t) {
            throw fail("Send", t);
        }
    }

    /** @return the {@code Status} */
    public Object recv(Object comm, Object buf, int offset, int count, Object type, int source, int tag) {
        try {
            return (Object) recv.invokeExact(comm, buf, offset, count, type, source, tag);
        } catch (Throwable t) {
            throw fail("Recv", t);
        }
    }

    /** @return the {@code Request}; MPJ packs {@code buf} before it returns */
    public Object isend(Object comm, Object buf, int offset, int count, Object type, int dest, int tag) {
        try {
            return (Object) isend.invokeExact(comm, buf, offset, count, type, dest, tag);
        } catch (Throwable t) {
            throw fail("Isend", t);
        }
    }

    /** @return the {@code Request} */
    public Object irecv(Object comm, Object buf, int offset, int count, Object type, int source, int tag) {
        try {
            return (Object) irecv.invokeExact(comm, buf, offset, count, type, source, tag);
        } catch (Throwable t) {
            throw fail("Irecv", t);
        }
    }

    public int rank(Object comm) {
        try {
            return (int) rank.invokeExact(comm);
        } catch (Throwable t) {
            throw fail("Rank", t);
        }
    }

    public int size(Object comm) {
        try {
            return (int) size.invokeExact(comm);
        } catch (Throwable t) {
            throw fail("Size", t);
        }
    }

    public void abort(Object comm, int code) {
        try {
            abort.invokeExact(comm, code);
        } catch (Throwable t) {
            throw fail("Abort", t);
        }
    }

    public void barrier(Object comm) {
        try {
            barrier.invokeExact(comm);
        } catch (Throwable t) {
            throw fail("Barrier", t);
        }
    }

    /** @return a duplicate of the intracommunicator {@code comm} (its own context: messages never cross) */
    public Object dup(Object comm) {
        try {
            return (Object) dup.invokeExact(comm);
        } catch (Throwable t) {
            throw fail("Intracomm.clone", t);
        }
    }

    /** @return the new intracommunicator of this rank's colour ({@code Intracomm.Split}), or null */
    public Object split(Object comm, int color, int key) {
        try {
            return (Object) split.invokeExact(comm, color, key);
        } catch (Throwable t) {
            throw fail("Intracomm.Split", t);
        }
    }

    /**
     * @return a new intracommunicator of {@code ranks} (ranks of {@code comm}, in the new order), made by
     *         {@code comm.Create(comm.Group().Incl(ranks))}; only the members call it
     */
    public Object create(Object comm, int[] ranks) {
        try {
            Object g = (Object) group.invokeExact(comm);
            Object sub = (Object) incl.invokeExact(g, (Object) ranks);
            return (Object) create.invokeExact(comm, sub);
        } catch (Throwable t) {
            throw fail("Intracomm.Create", t);
        }
    }

    /** @return the {@code Status} of a matching message, or null; never blocks */
    public Object iprobe(Object comm, int source, int tag) {
        try {
            return (Object) iprobe.invokeExact(comm, source, tag);
        } catch (Throwable t) {
            throw fail("Iprobe", t);
        }
    }

    /** @return the {@code Status} once {@code request} is complete */
    public Object waitFor(Object request) {
        try {
            return (Object) waitStatus.invokeExact(request);
        } catch (Throwable t) {
            throw fail("Request.Wait", t);
        }
    }

    /** @return the {@code Status} if {@code request} is complete, else null; never blocks */
    public Object test(Object request) {
        try {
            return (Object) testStatus.invokeExact(request);
        } catch (Throwable t) {
            throw fail("Request.Test", t);
        }
    }

    public int source(Object status) {
        try {
            return (int) statusSource.invokeExact(status);
        } catch (Throwable t) {
            throw fail("Status.source", t);
        }
    }

    public int tag(Object status) {
        try {
            return (int) statusTag.invokeExact(status);
        } catch (Throwable t) {
            throw fail("Status.tag", t);
        }
    }

    public int count(Object status, Object type) {
        try {
            return (int) statusCount.invokeExact(status, type);
        } catch (Throwable t) {
            throw fail("Status.Get_count", t);
        }
    }

    /** Rethrows unchecked throwables; turns MPJ's checked {@code MPIException} into a {@link JparException}. */
    static RuntimeException fail(String call, Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new JparException("MPJ Express: " + call + " failed: " + t.getMessage(), t);
    }
}
