package org.jpar.job;

/** One unit of work of the master's queue: a call of {@code fn}, or a chunk of map inputs, and its jobs. */
final class Unit {
    final long id;
    final Object fn;
    final Object[] args;
    final boolean each;
    final Job<Object>[] jobs;
    final byte[][] fingerprints;
    /** Its {@link Wire.Call}, encoded once it is first sent to a rank. */
    byte[] wire;
    int starts;
    Worker owner;
    /** Its jobs are being completed: no longer active in the statistics, though not yet finished. */
    boolean settling;

    Unit(long id, Object fn, Object[] args, boolean each, Job<Object>[] jobs, byte[][] fingerprints) {
        this.id = id;
        this.fn = fn;
        this.args = args;
        this.each = each;
        this.jobs = jobs;
        this.fingerprints = fingerprints;
    }

    Object[] itemArgs(int i) {
        return each ? new Object[] {args[i]} : args;
    }
}
