package org.jpar.engine.nativempi.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import org.jpar.JparException;
import org.jpar.engine.nativempi.CBaseline;

/** {@link CBaseline}: the bench's C functions, bound through FFM (the library resolves MPI from the loaded libmpi). */
public final class CBaselineLibrary implements CBaseline {
    private final MethodHandle pingpong;
    private final MethodHandle allreduce;
    private final MethodHandle bcast;
    private final MethodHandle alltoall;

    private CBaselineLibrary(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        pingpong = linker.downcallHandle(find(lib, "jpar_bench_pingpong"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        FunctionDescriptor batch = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG);
        allreduce = linker.downcallHandle(find(lib, "jpar_bench_allreduce"), batch);
        bcast = linker.downcallHandle(find(lib, "jpar_bench_bcast"), batch);
        alltoall = linker.downcallHandle(find(lib, "jpar_bench_alltoall"), batch);
        MethodHandle init = linker.downcallHandle(find(lib, "jpar_bench_init"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        int rc;
        try {
            rc = (int) init.invokeExact();
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
        if (rc != 0) {
            throw new JparException("the C baseline's MPI_Comm_dup failed: " + Mpi.errorString(rc));
        }
    }

    /** @see CBaseline#load */
    public static CBaseline load(String path) {
        SymbolLookup lib;
        try {
            lib = SymbolLookup.libraryLookup(Path.of(path), Arena.global());
        } catch (IllegalArgumentException e) {
            throw new JparException("cannot load the C baseline " + path + ": " + e.getMessage()
                    + " (jpar bench builds it with the MPI's mpicc)", e);
        }
        return new CBaselineLibrary(lib);
    }

    private static java.lang.foreign.MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new JparException("the C baseline has no function " + name
                + ": rebuild it from this jpar's mpibench.c"));
    }

    @Override
    public void pingpong(int rank, long bytes, int iterations) {
        int rc;
        try {
            rc = (int) pingpong.invokeExact(rank, bytes, (long) iterations);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
        if (rc != 0) {
            throw new JparException("the C baseline's ping-pong of " + bytes + " bytes found no memory");
        }
    }

    @Override
    public void allreduce(int doubles, int iterations) {
        batch(allreduce, "allreduce", doubles, iterations);
    }

    @Override
    public void bcast(int doubles, int iterations) {
        batch(bcast, "bcast", doubles, iterations);
    }

    @Override
    public void alltoall(int block, int iterations) {
        batch(alltoall, "alltoall", block, iterations);
    }

    /** Runs one batch of a collective's C loop of {@code doubles} doubles (alltoall: per rank). */
    private static void batch(MethodHandle loop, String what, int doubles, int iterations) {
        int rc;
        try {
            rc = (int) loop.invokeExact((long) doubles, (long) iterations);
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
        if (rc != 0) {
            throw new JparException("the C baseline's " + what + " of " + doubles + " doubles found no memory");
        }
    }
}
