package org.jpar.job;

import java.util.ArrayList;
import java.util.List;

/** A worker of the master (a thread of its own or another rank) and its row in the statistics. */
abstract class Worker {
    final String name;
    long jobs;
    long failed;
    long nanos;
    String death;

    Worker(String name) {
        this.name = name;
    }

    /** A thread of the master. */
    static final class Local extends Worker {
        Thread thread;
        Unit running;

        Local(String name) {
            super(name);
        }
    }

    /** Another rank. At most one message of work is out to it at a time. */
    static final class Remote extends Worker {
        final int rank;
        final List<Unit> inFlight = new ArrayList<>();
        boolean alive = true;
        /** It said {@link Wire#hello()}: it serves, work may be sent to it. */
        boolean joined;
        /** When the batch in flight was planned, and how many units it has. */
        long sentAt;
        int sentUnits;
        /** Measured cost of a unit on this rank, messages and encoding included (ns; -1 until measured). */
        double nanosPerUnit = -1;

        Remote(int rank) {
            super("rank " + rank);
            this.rank = rank;
        }
    }
}
