package org.jpar.internal;

import java.util.List;

import org.jpar.JparException;

/**
 * jpar's numeric system properties ({@code -Djpar.threads.spinMicros=50}, ...), each read with its range: a value
 * that is not a whole number, or is out of range, is one clear error naming the property, what it sets and its range,
 * instead of silently falling back to the default ({@link Integer#getInteger} would). The launcher checks them all
 * before any rank starts ({@link #checkAll()}), as the embedded engine does before a job.
 */
public final class Settings {
    /** One numeric property: its name, range, and what it sets (for the error). */
    public record Setting(String name, long min, long max, String what) {
        /** @return the property's value, or {@code fallback} when it is not set */
        public long get(long fallback) {
            String v = System.getProperty(name);
            if (v == null) {
                return fallback;
            }
            long x;
            try {
                x = Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw bad(v, v.trim().matches("[-+]?\\d+") ? "is out of range" : "is not a whole number");
            }
            if (x < min || x > max) {
                throw bad(v, "is out of range");
            }
            return x;
        }

        /** @return the property's value as an int (its range fits one), or {@code fallback} when it is not set */
        public int getInt(int fallback) {
            return (int) get(fallback);
        }

        private JparException bad(String value, String why) {
            return new JparException("-D" + name + "=" + value + " " + why + ": it sets " + what
                    + "; give a whole number from " + min + " to " + max + ", or leave it unset for the default");
        }
    }

    private static final long DAY_MILLIS = 86_400_000L;

    public static final Setting SPIN_MICROS = new Setting("jpar.threads.spinMicros", 0, 1_000_000,
            "how long a waiting rank of the embedded engine spins before it parks, in microseconds");
    public static final Setting EAGER_LIMIT = new Setting("jpar.threads.eagerLimit", 0, Integer.MAX_VALUE,
            "the largest array, in bytes, a send of the embedded engine copies and leaves behind");
    public static final Setting DEADLOCK_MILLIS = new Setting("jpar.threads.deadlockMillis", 0, DAY_MILLIS,
            "how long every rank of the embedded engine must wait before the job is called deadlocked, in "
                    + "milliseconds (0: never)");
    public static final Setting COLLECTIVE_YIELDS = new Setting("jpar.threads.collectiveYields", 0, 1_000_000,
            "how often a rank waiting in a collective of the embedded engine yields its core before it parks");
    public static final Setting COLLECTIVE_FANOUT = new Setting("jpar.threads.collectiveFanout", 1, 1024,
            "how many ranks each woken rank wakes at the end of a collective of the embedded engine");
    public static final Setting CODEC_MAX_DEPTH = new Setting("jpar.codec.maxDepth", 1, Integer.MAX_VALUE,
            "how deep a message's objects may nest");
    public static final Setting MPI_MESSAGE = new Setting("jpar.mpi.message", 1024, Integer.MAX_VALUE - 8,
            "the bytes of a message's first part on the MPI engines (the same on every rank)");
    public static final Setting OPENMPI_HEAP_MAX = new Setting("jpar.openmpi.collectiveHeapMax", 0,
            Integer.MAX_VALUE, "the largest array, in bytes, Open MPI's collectives take as a Java array");
    public static final Setting MPJ_LANDING = new Setting("jpar.mpj.landing", 1024, Integer.MAX_VALUE - 8,
            "the bytes every header receive of the MPJ Express engine lands in (the same on every rank)");
    public static final Setting MPJ_PIECE = new Setting("jpar.mpj.piece", 0, Integer.MAX_VALUE,
            "the bytes of each piece a large message travels in on MPJ Express's niodev (0: one message)");
    public static final Setting MPJ_START_SECONDS = new Setting("jpar.mpj.startSeconds", 1, 86_400,
            "how long niodev's ranks may take to start, in seconds");
    public static final Setting GRACE_SECONDS = new Setting("jpar.launcher.graceSeconds", 0, 86_400,
            "how long the job's processes may take to end after a failure or a stop, in seconds");

    /** Read by the job layer itself (it uses only jpar's public API); the launcher checks it here first. */
    public static final Setting JOB_WORKERS = new Setting("jpar.job.workers", 0, 4096,
            "how many local worker threads the job layer (Pool, JobServer) runs on each rank");

    /** Every whole-number property jpar reads ({@code jpar.hang.timeout}, in seconds, is checked beside them). */
    public static final List<Setting> ALL = List.of(SPIN_MICROS, EAGER_LIMIT, DEADLOCK_MILLIS, COLLECTIVE_YIELDS,
            COLLECTIVE_FANOUT, CODEC_MAX_DEPTH, MPI_MESSAGE, OPENMPI_HEAP_MAX, MPJ_LANDING, MPJ_PIECE,
            MPJ_START_SECONDS, GRACE_SECONDS, JOB_WORKERS);

    private Settings() {
    }

    /**
     * Checks every numeric property that is set.
     *
     * @throws JparException for the first that is not a whole number in its range
     */
    public static void checkAll() {
        for (Setting s : ALL) {
            s.get(0);
        }
        org.jpar.internal.diag.Diagnostics.checkHangTimeout();
    }
}
