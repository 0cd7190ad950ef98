package org.jpar.engine.nativempi.ffm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.Map;

/**
 * One MPI library's application binary interface: what {@code mpi.h} says and a C compiler would bake into a program,
 * read from each implementation's header (see the project's notes on binding MPI). A third ABI (MPI-5.0's standard
 * {@code libmpi_abi}) would be one more instance of this class.
 *
 * <p>Handles ({@code MPI_Comm}, {@code MPI_Datatype}, {@code MPI_Op}, {@code MPI_Errhandler}) are kept as Java
 * {@code long}s: Open MPI's are the addresses of global objects in {@code libmpi} (looked up by symbol), MPICH's are
 * {@code int} constants (passed to C as {@code int}, see {@link #handleLayout}).
 */
final class Abi {
    /** Which implementation family: decides handles, status layout and the library's names. */
    enum Family { OPEN_MPI, MPICH }

    private static final Map<String, Integer> MPICH_HANDLES = Map.ofEntries(
            Map.entry("COMM_WORLD", 0x44000000), Map.entry("COMM_SELF", 0x44000001),
            Map.entry("COMM_NULL", 0x04000000),
            Map.entry("BYTE", 0x4c00010d), Map.entry("SHORT", 0x4c000203), Map.entry("UNSIGNED_SHORT", 0x4c000204),
            Map.entry("INT", 0x4c000405), Map.entry("INT64_T", 0x4c00083a), Map.entry("FLOAT", 0x4c00040a),
            Map.entry("DOUBLE", 0x4c00080b), Map.entry("INT8_T", 0x4c000137), Map.entry("UINT8_T", 0x4c00013b),
            Map.entry("C_BOOL", 0x4c00013f), Map.entry("2INT", 0x4c000816),
            Map.entry("2REAL", 0x4c000821), Map.entry("2DOUBLE_PRECISION", 0x4c001023),
            Map.entry("OP_MAX", 0x58000001), Map.entry("OP_MIN", 0x58000002), Map.entry("OP_SUM", 0x58000003),
            Map.entry("OP_PROD", 0x58000004), Map.entry("OP_LAND", 0x58000005), Map.entry("OP_BAND", 0x58000006),
            Map.entry("OP_LOR", 0x58000007), Map.entry("OP_BOR", 0x58000008), Map.entry("OP_LXOR", 0x58000009),
            Map.entry("OP_BXOR", 0x5800000a), Map.entry("OP_MINLOC", 0x5800000b), Map.entry("OP_MAXLOC", 0x5800000c),
            Map.entry("ERRORS_RETURN", 0x54000001), Map.entry("ERRORS_ARE_FATAL", 0x54000000));

    final Family family;
    /** The C layout handles are passed in: a pointer (Open MPI) or an int (MPICH). */
    final ValueLayout handleLayout;
    /** Bytes of an {@code MPI_Request} (a pointer or an int); {@code MPI_Comm} out-parameters have the same size. */
    final int handleBytes;
    final int statusBytes;
    final long statusSource;
    final long statusTag;
    final long statusError;
    final int anySource;
    final int procNull;
    final int anyTag = -1;
    final int undefined = -32766;
    /** {@code MPI_TAG_UB}'s attribute key. */
    final int tagUbKey;
    /** {@code MPI_STATUS_IGNORE} and {@code MPI_IN_PLACE}, as addresses. */
    final MemorySegment statusIgnore;
    final MemorySegment inPlace;
    private final Library library;

    private Abi(Family family, Library library) {
        this.family = family;
        this.library = library;
        if (family == Family.OPEN_MPI) {
            handleLayout = ValueLayout.JAVA_LONG;
            handleBytes = 8;
            statusBytes = 24;
            statusSource = 0;
            statusTag = 4;
            statusError = 8;
            anySource = -1;
            procNull = -2;
            tagUbKey = 0;
            statusIgnore = MemorySegment.NULL;
            inPlace = MemorySegment.ofAddress(1);
        } else {
            handleLayout = ValueLayout.JAVA_INT;
            handleBytes = 4;
            statusBytes = 20;
            statusSource = 8;
            statusTag = 12;
            statusError = 16;
            anySource = -2;
            procNull = -1;
            tagUbKey = 0x64400001;
            statusIgnore = MemorySegment.ofAddress(1);
            inPlace = MemorySegment.ofAddress(-1L);
        }
    }

    static Abi of(Family family, Library library) {
        return new Abi(family, library);
    }

    /**
     * @param name a handle's name without {@code MPI_}: {@code COMM_WORLD}, {@code DOUBLE}, {@code OP_SUM},
     *             {@code ERRORS_RETURN} (Open MPI's symbol is {@code ompi_mpi_} and the name in lower case, but
     *             {@code MPI_2DOUBLE_PRECISION}'s, {@code ompi_mpi_2dblprec})
     * @return the handle as jpar keeps it
     */
    long handle(String name) {
        if (family == Family.MPICH) {
            Integer h = MPICH_HANDLES.get(name);
            if (h == null) {
                throw new IllegalArgumentException("no MPICH handle MPI_" + name + " in jpar's table");
            }
            return h;
        }
        String symbol = name.equals("2DOUBLE_PRECISION") ? "2dblprec" : name.toLowerCase(Locale.ROOT);
        return library.symbol("ompi_mpi_" + symbol).address();
    }

    /** Reads an out-parameter handle ({@code MPI_Comm_dup}'s new communicator) from {@code at}. */
    long readHandle(MemorySegment at) {
        return handleBytes == 8 ? at.get(ValueLayout.JAVA_LONG, 0) : at.get(ValueLayout.JAVA_INT, 0);
    }

    @Override
    public String toString() {
        return family == Family.OPEN_MPI ? "Open MPI" : "MPICH";
    }
}
