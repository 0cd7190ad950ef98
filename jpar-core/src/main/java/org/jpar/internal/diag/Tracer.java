package org.jpar.internal.diag;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The timeline recorder of one process: every thread appends its events to a buffer of its own (no lock, no
 * sharing); {@link #writePart} writes them as one JSON object per line (a <em>part</em>), which the launcher (or
 * {@code jpar trace}) merges with the other processes' parts into a Chrome Trace Event file. Times are microseconds
 * since the epoch: {@code System.nanoTime()} offsets from one wall-clock reading per process, so the processes of one
 * host agree; hosts are aligned at the merge.
 */
public final class Tracer {
    /** One event: a span of one thread. {@code seq} is the message's number between its two ranks, or -1. */
    record Event(String name, long startNanos, long endNanos, int peer, int tag, long bytes, long seq, int comm) {
    }

    /** One thread's events. */
    static final class Buffer {
        final int id;
        final String thread;
        volatile int rank = -1;
        final List<Event> events = new ArrayList<>();
        /** The blocking operation the thread is in now (a trace written meanwhile shows it unfinished), or null. */
        volatile Event open;

        Buffer(int id, String thread) {
            this.id = id;
            this.thread = thread;
        }
    }

    /** {@code System.nanoTime()} and the wall clock read at the same moment (see {@link #Tracer()}). */
    private final long nanoBase;
    private final Instant wallBase;
    private final CopyOnWriteArrayList<Buffer> buffers = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final ThreadLocal<Buffer> mine = ThreadLocal.withInitial(() -> {
        Buffer b = new Buffer(ids.incrementAndGet(), Thread.currentThread().getName());
        buffers.add(b);
        return b;
    });
    private volatile String engine = "?";
    private volatile String host = "?";

    /**
     * Reads the two clocks together: of a few tries, the one whose wall-clock reading sat in the shortest gap between
     * two {@code nanoTime} readings. One plain pair can be torn by a preemption between its two reads (on a loaded
     * machine, a timeline whose receives ended before their sends started in another process); the shortest gap
     * bounds the alignment error of this process's times to a few microseconds.
     */
    Tracer() {
        long bestGap = Long.MAX_VALUE;
        long base = 0;
        Instant wall = null;
        for (int i = 0; i < 8; i++) {
            long before = System.nanoTime();
            Instant w = Instant.now();
            long gap = System.nanoTime() - before;
            if (gap < bestGap) {
                bestGap = gap;
                base = before + gap / 2;
                wall = w;
            }
        }
        nanoBase = base;
        wallBase = wall;
        Json.str(""); // loaded now, not in the shutdown hook that writes the part
    }

    void describeProcess(String engineName, String hostName) {
        this.engine = engineName;
        this.host = hostName;
    }

    /**
     * The calling thread enters a blocking operation: if the process's part is written before the operation ends (a
     * rank that fails, aborts or is stopped while others wait), it shows as {@code NAME (unfinished)} up to then.
     * {@link #record} ends it.
     */
    void begin(int rank, String name, long start, int peer, int tag, int comm) {
        Buffer b = mine.get();
        if (b.rank < 0) {
            b.rank = rank;
        }
        b.open = new Event(name, start, 0, peer, tag, -1, -1, comm);
    }

    /** Records a span of the calling thread, for rank {@code rank} (the world rank). */
    void record(int rank, String name, long start, long end, int peer, int tag, long bytes, long seq, int comm) {
        Buffer b = mine.get();
        if (b.rank < 0) {
            b.rank = rank;
        }
        b.open = null;
        synchronized (b) { // uncontended: only the writer at the end reads it too
            b.events.add(new Event(name, start, end, peer, tag, bytes, seq, comm));
        }
    }

    /** @return the number of events recorded so far */
    public int size() {
        int n = 0;
        for (Buffer b : buffers) {
            synchronized (b) {
                n += b.events.size();
            }
        }
        return n;
    }

    private double micros(long nanos) {
        return wallBase.getEpochSecond() * 1e6 + wallBase.getNano() / 1e3 + (nanos - nanoBase) / 1e3;
    }

    /**
     * Writes this process's events as a part file: a header line, then one line per thread and per event.
     *
     * @throws IOException if the file cannot be written
     */
    public void writePart(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("{\"part\":1,\"engine\":" + Json.str(engine) + ",\"host\":" + Json.str(host) + ",\"pid\":"
                    + ProcessHandle.current().pid() + "}\n");
            for (Buffer b : buffers) {
                List<Event> copy;
                synchronized (b) {
                    copy = new ArrayList<>(b.events);
                }
                Event open = b.open;
                if (open != null) {
                    copy.add(new Event(open.name() + " (unfinished)", open.startNanos(), System.nanoTime(), open.peer(),
                            open.tag(), -1, -1, open.comm()));
                }
                if (b.rank < 0) {
                    continue;
                }
                w.write("{\"thread\":" + b.id + ",\"rank\":" + b.rank + ",\"name\":" + Json.str(b.thread) + "}\n");
                for (Event e : copy) {
                    w.write("{\"t\":" + b.id + ",\"r\":" + b.rank + ",\"n\":" + Json.str(e.name()) + ",\"s\":"
                            + String.format(java.util.Locale.ROOT, "%.3f", micros(e.startNanos())) + ",\"d\":"
                            + String.format(java.util.Locale.ROOT, "%.3f", (e.endNanos() - e.startNanos()) / 1e3)
                            + ",\"p\":" + e.peer() + ",\"g\":" + e.tag() + ",\"b\":" + e.bytes() + ",\"q\":" + e.seq()
                            + ",\"c\":" + e.comm() + "}\n");
                }
            }
        }
    }
}
