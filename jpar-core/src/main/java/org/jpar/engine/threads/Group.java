package org.jpar.engine.threads;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One group of ranks of an embedded job, with a mailbox per member: the world (whose mailboxes are the job's), or one
 * made by {@code split}/{@code dup}, whose own mailboxes keep its messages apart from every other group's. Members are
 * numbered in the group; {@link #jobRank} maps them to the job's ranks (for the deadlock watchdog and failure reports).
 */
final class Group {
    final ThreadsJob job;
    /** 0 for the world, then 1, 2, ... in the order groups are made. */
    final int id;
    final Mailbox[] boxes;
    /** Group rank to job rank; null for the world (the identity). */
    private final int[] jobRanks;
    /** Members that have not closed their endpoint yet; at 0 the group is forgotten by the job. */
    private final AtomicInteger open;
    /** Members still to pick the group up from the job's table of groups being made. */
    final AtomicInteger toJoin;

    /** The world of {@code job}. */
    Group(ThreadsJob job, Mailbox[] boxes) {
        this.job = job;
        this.id = 0;
        this.boxes = boxes;
        this.jobRanks = null;
        this.open = new AtomicInteger(boxes.length);
        this.toJoin = new AtomicInteger();
    }

    /** A new group of the job's ranks {@code jobRanks}, in that order. */
    Group(ThreadsJob job, int id, int[] jobRanks) {
        this.job = job;
        this.id = id;
        this.jobRanks = jobRanks;
        this.boxes = new Mailbox[jobRanks.length];
        for (int i = 0; i < boxes.length; i++) {
            boxes[i] = new Mailbox();
        }
        this.open = new AtomicInteger(jobRanks.length);
        this.toJoin = new AtomicInteger(jobRanks.length);
    }

    private volatile org.jpar.internal.diag.CollectiveLedger ledger;
    private volatile CollectiveSlot slot;

    /** @return this group's collectives' meeting point, or null if no member called a collective */
    CollectiveSlot collectiveSlotIfMade() {
        return slot;
    }

    /** @return this group's collectives' meeting point, made by the first member to ask */
    CollectiveSlot collectiveSlot() {
        CollectiveSlot s = slot;
        if (s == null) {
            synchronized (this) {
                if (slot == null) {
                    slot = new CollectiveSlot(size());
                }
                s = slot;
            }
        }
        return s;
    }

    /** Strict mode: this group's collective ledger (see {@link org.jpar.internal.diag.CollectiveLedger}). */
    org.jpar.internal.diag.CollectiveLedger ledger() {
        org.jpar.internal.diag.CollectiveLedger l = ledger;
        if (l == null) {
            synchronized (this) {
                if (ledger == null) {
                    ledger = new org.jpar.internal.diag.CollectiveLedger(size());
                }
                l = ledger;
            }
        }
        return l;
    }

    int size() {
        return boxes.length;
    }

    /** @return the job rank of member {@code rank} */
    int jobRank(int rank) {
        return jobRanks == null ? rank : jobRanks[rank];
    }

    boolean isWorld() {
        return id == 0;
    }

    /** A member closed its endpoint; the last one lets the job forget the group (MPI_Comm_free). */
    void closed() {
        if (!isWorld() && open.decrementAndGet() == 0) {
            job.forget(this);
        }
    }

    /** @return the communicator, as reports name it: "the world communicator" or "communicator #id" */
    String communicatorName() {
        return isWorld() ? "the world communicator" : "communicator #" + id;
    }

    /** @return " on communicator #id (rank r of n there)" for a group made by split/dup, else "" */
    String where(int rank) {
        return isWorld() ? "" : " on communicator #" + id + " (rank " + rank + " of " + size() + " there)";
    }
}
