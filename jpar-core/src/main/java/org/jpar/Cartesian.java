package org.jpar;

import java.util.Arrays;

/**
 * A communicator whose ranks form a grid ({@code MPI_Cart_create} with {@code reorder = false}; mpi4py's
 * {@code Create_cart}), as stencil codes use: made by {@link Communicator#cartesian(int[], boolean[])}. Ranks keep
 * their order and lie on the grid in row-major order (the last dimension varies fastest, as in MPI), so rank
 * {@code r} of a {@code 2 x 3} grid is at {@code (r / 3, r % 3)}.
 *
 * <p>{@link #shift(int, int)} gives the neighbours for a halo exchange; at an open (non-periodic) edge the neighbour is
 * {@link Par#PROC_NULL}, to which a send and from which a receive complete at once, so the exchange needs no special
 * case at the border:
 * <pre>{@code
 * try (Cartesian grid = world.cartesian(Par.dims(world.size(), 2), new boolean[] {false, false})) {
 *     Cartesian.Shift up = grid.shift(0, 1);
 *     double[] fromAbove = grid.communicator().sendrecv(myBottomRow, up.dest(), 0, up.source(), 0);
 * }
 * }</pre>
 *
 * Communication goes through {@link #communicator()}, a communicator of its own (messages never mix with the parent's);
 * {@link #close()} frees it.
 */
public final class Cartesian implements AutoCloseable {
    /**
     * The two neighbours of a shift ({@code MPI_Cart_shift}): receive from {@code source}, send to {@code dest}.
     *
     * @param source the rank {@code disp} steps back along the dimension, or {@link Par#PROC_NULL} past an open edge
     * @param dest   the rank {@code disp} steps forward, or {@link Par#PROC_NULL} past an open edge
     */
    public record Shift(int source, int dest) {
    }

    private final Communicator comm;
    private final int[] dims;
    private final boolean[] periodic;
    private final int[] coords;

    Cartesian(Communicator comm, int[] dims, boolean[] periodic) {
        this.comm = comm;
        this.dims = dims.clone();
        this.periodic = periodic.clone();
        this.coords = coords(comm.rank());
    }

    /** @return the communicator of the grid (same ranks, same order as the one it was made from) */
    public Communicator communicator() {
        return comm;
    }

    /** @return this rank in the grid's communicator */
    public int rank() {
        return comm.rank();
    }

    /** @return the number of ranks of the grid */
    public int size() {
        return comm.size();
    }

    /** @return the grid's extent in each dimension (a copy) */
    public int[] dims() {
        return dims.clone();
    }

    /** @return whether each dimension wraps around (a copy) */
    public boolean[] periodic() {
        return periodic.clone();
    }

    /** @return this rank's coordinates ({@code MPI_Cart_coords}; a copy) */
    public int[] coords() {
        return coords.clone();
    }

    /**
     * @param rank a rank of the grid, 0 to {@code size() - 1}
     * @return its coordinates, row-major ({@code MPI_Cart_coords})
     * @throws JparException for a rank out of range
     */
    public int[] coords(int rank) {
        if (rank < 0 || rank >= comm.size()) {
            throw new JparException("coords: rank " + rank + " is out of range: valid ranks are 0.." + (comm.size() - 1)
                    + " (size " + comm.size() + ")");
        }
        int[] c = new int[dims.length];
        for (int d = dims.length - 1; d >= 0; d--) {
            c[d] = rank % dims[d];
            rank /= dims[d];
        }
        return c;
    }

    /**
     * The rank at {@code coords} ({@code MPI_Cart_rank}). In a periodic dimension any coordinate is taken modulo the
     * extent; in an open one it must lie inside the grid.
     *
     * @param coords one coordinate per dimension
     * @return the rank there
     * @throws JparException for the wrong number of coordinates, or one outside an open dimension
     */
    public int rankOf(int... coords) {
        if (coords == null || coords.length != dims.length) {
            throw new JparException("rankOf: the grid has " + dims.length + " dimensions but " + (coords == null ? 0
                    : coords.length) + " coordinates were given: give one per dimension");
        }
        int r = 0;
        for (int d = 0; d < dims.length; d++) {
            int c = coords[d];
            if (periodic[d]) {
                c = Math.floorMod(c, dims[d]);
            } else if (c < 0 || c >= dims[d]) {
                throw new JparException("rankOf: coordinate " + c + " of dimension " + d + " is outside the grid: "
                        + "valid are 0.." + (dims[d] - 1) + " (the dimension is not periodic)");
            }
            r = r * dims[d] + c;
        }
        return r;
    }

    /**
     * The neighbours {@code disp} steps along dimension {@code dim} ({@code MPI_Cart_shift}; mpi4py's {@code Shift}):
     * where this rank receives from and sends to when every rank shifts data by {@code disp}. Local: no message.
     *
     * @param dim  0 to {@code dims().length - 1}
     * @param disp the displacement, positive (towards higher coordinates), negative or 0
     * @return {@code (source, dest)}, each {@link Par#PROC_NULL} past an open edge
     * @throws JparException for a dimension out of range
     */
    public Shift shift(int dim, int disp) {
        if (dim < 0 || dim >= dims.length) {
            throw new JparException("shift: dimension " + dim + " is out of range: the grid has dimensions 0.."
                    + (dims.length - 1));
        }
        return new Shift(neighbour(dim, -disp), neighbour(dim, disp));
    }

    private int neighbour(int dim, int disp) {
        int[] c = coords.clone();
        long at = (long) c[dim] + disp;
        if (periodic[dim]) {
            c[dim] = (int) Math.floorMod(at, (long) dims[dim]);
        } else if (at < 0 || at >= dims[dim]) {
            return Par.PROC_NULL;
        } else {
            c[dim] = (int) at;
        }
        return rankOf(c);
    }

    /** Frees the grid's communicator ({@code MPI_Comm_free}): local, never waits for the other ranks. Idempotent. */
    @Override
    public void close() {
        comm.close();
    }

    @Override
    public String toString() {
        return "Cartesian[rank " + comm.rank() + " at " + Arrays.toString(coords) + " of " + Arrays.toString(dims)
                + ", periodic " + Arrays.toString(periodic) + "]";
    }
}
