package org.jpar.engine.nativempi.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import org.jpar.JparException;

/**
 * The MPI library, loaded as mpi4py does: {@code dlopen(path, RTLD_NOW | RTLD_GLOBAL)}, so the plug-ins Open MPI
 * loads later (which do not link {@code libmpi} themselves) find its symbols; symbols come from {@code dlsym}.
 * ({@code SymbolLookup.libraryLookup} loads privately, {@code RTLD_LOCAL}.)
 */
final class Library {
    private static final int RTLD_NOW = 2;
    private static final int RTLD_GLOBAL = 0x100;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle DLOPEN = libc("dlopen",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle DLSYM = libc("dlsym",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle DLERROR = libc("dlerror", FunctionDescriptor.of(ValueLayout.ADDRESS));

    final String path;
    private final MemorySegment handle;

    private Library(String path, MemorySegment handle) {
        this.path = path;
        this.handle = handle;
    }

    /** @return a function of the C library (which holds {@code dlopen} since glibc 2.34) */
    static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        MemorySegment f = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new JparException("the C library has no " + name + "(): the native engine needs "
                        + "glibc 2.34 or later (Linux)"));
        return LINKER.downcallHandle(f, descriptor);
    }

    /**
     * Opens the first of {@code candidates} that loads.
     *
     * @param what the MPI, for the message: {@code Open MPI}
     * @param hint what to do when none loads
     */
    static Library open(List<String> candidates, String what, String hint) {
        List<String> errors = new ArrayList<>();
        for (String c : candidates) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment h = (MemorySegment) DLOPEN.invokeExact(a.allocateFrom(c), RTLD_NOW | RTLD_GLOBAL);
                if (!h.equals(MemorySegment.NULL)) {
                    return new Library(c, h);
                }
                errors.add(dlerror());
            } catch (Throwable t) {
                throw Fail.unchecked(t);
            }
        }
        throw new JparException("cannot load " + what + "'s library (tried " + String.join(", ", candidates) + "): "
                + String.join("; ", errors) + "; " + hint);
    }

    private static String dlerror() throws Throwable {
        MemorySegment e = (MemorySegment) DLERROR.invokeExact();
        return e.equals(MemorySegment.NULL) ? "unknown error" : e.reinterpret(4096).getString(0);
    }

    /** @return the address of {@code name}, or NULL when the library has no such symbol */
    MemorySegment find(String name) {
        try (Arena a = Arena.ofConfined()) {
            return (MemorySegment) DLSYM.invokeExact(handle, a.allocateFrom(name));
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    /** @return the address of {@code name}; a clear error when it is missing */
    MemorySegment symbol(String name) {
        MemorySegment s = find(name);
        if (s.equals(MemorySegment.NULL)) {
            throw new JparException(path + " has no symbol " + name + ": it is not the MPI library jpar's native "
                    + "engine expected (give the right one with -Djpar.native.library=PATH)");
        }
        return s;
    }

    /** @return a downcall to the C function {@code name} of this library */
    MethodHandle function(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    /**
     * {@code MPI_Get_library_version}, callable before {@code MPI_Init} (and before {@link Mpi.Binding#bind}): identifies the
     * library ("Open MPI v4.1.4, ...", "MPICH Version: 4.0.2 ...").
     */
    String libraryVersion() {
        MethodHandle f = function("MPI_Get_library_version",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(8193 + 8);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            int rc = (int) f.invokeExact(buf, len);
            if (rc != 0) {
                return "(MPI_Get_library_version failed: " + rc + ")";
            }
            return buf.getString(0).strip();
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    @Override
    public String toString() {
        return path;
    }
}
