package org.jpar.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.jpar.Communicator;
import org.jpar.Request;

/**
 * MPI's progress rule and request lifetime (MPI-4.0 §3.7.4, §3.7.3), on every engine at every size of message: a
 * posted nonblocking receive lets the matching send complete whatever blocking call the receiver sits in (barrier, a
 * collective, a receive on another tag, a send of its own), without the receiver calling {@code await} or
 * {@code isDone}; and a request the user drops never cancels its operation nor frees a buffer the engine still uses.
 *
 * <p>Ranks pair up (0 with 1, 2 with 3; an odd last rank only joins the collectives; one rank pairs with itself). A
 * hang is what these tests catch, so each runs under a deadline that stops the JVM loudly instead of hanging the build.
 */
public class ProgressContract {
    /** Message sizes in doubles: eager everywhere; above the embedded engine's eager limit; chunked; 1 MiB. */
    static final int[] SIZES = {10, 3_000, 10_000, 131_072};
    static final long DEADLINE_SECONDS = 120;
    static final int TAG = 70;
    /** How a rank alone plays both roles of a {@link Between}: once, or both roles in this order. */
    private static final int ONCE = 0;
    private static final int SENDER_FIRST = 1;
    private static final int RECEIVER_FIRST = 2;

    /** What the receiver does between posting its receive and awaiting it, and what the sender does after its send. */
    private interface Between {
        void run(Communicator c, int partner, boolean receiver);
    }

    @Contract
    public void postedReceiveLetsSendCompleteWhileReceiverIsInBarrier(Communicator c) {
        everySize(c, "barrier", ONCE, (w, partner, receiver) -> w.barrier());
    }

    @Contract
    public void postedReceiveLetsSendCompleteWhileReceiverIsInCollectives(Communicator c) {
        everySize(c, "collectives", ONCE, (w, partner, receiver) -> {
            assertThat(w.allreduce(1, Integer::sum)).isEqualTo(w.size());
            double[] big = w.broadcast(w.rank() == 0 ? values(200_000, 7) : null, 0); // large: native under MPI
            assertThat(big).isEqualTo(values(200_000, 7));
            List<Integer> gathered = w.gather(w.rank(), 0);
            if (w.rank() == 0) {
                assertThat(gathered).hasSize(w.size());
            }
        });
    }

    /** Array collectives with built-in operators (native, blocking collectives under Open MPI). */
    @Contract
    public void postedReceiveLetsSendCompleteWhileReceiverIsInArrayCollectives(Communicator c) {
        everySize(c, "array collectives", ONCE, ProgressContract::arrayCollectives);
    }

    /**
     * Progress is the rank's, not the communicator's: a receive posted on a {@code dup()} lets its send complete while
     * the receiver blocks in array collectives on the parent (the MPI engines hung here: only receives of the
     * communicator the rank blocked on were moved on, and the sender's large message waited for its receive in a
     * blocking send, so it never came to the collective).
     */
    @Contract
    public void postedReceiveOnAnotherCommunicatorLetsSendCompleteWhileReceiverIsInArrayCollectives(Communicator c) {
        try (Communicator d = c.dup()) {
            everySize(c, d, "array collectives on another communicator", ONCE, ProgressContract::arrayCollectives);
        }
    }

    /** As above, with the receiver blocked in a receive on the parent, which its partner sends after its message. */
    @Contract
    public void postedReceiveOnAnotherCommunicatorLetsSendCompleteWhileReceiverReceives(Communicator c) {
        try (Communicator d = c.dup()) {
            everySize(c, d, "a receive on another communicator", SENDER_FIRST, ProgressContract::receiveAnotherTag);
        }
    }

    @Contract
    public void postedReceiveLetsSendCompleteWhileReceiverReceivesAnotherTag(Communicator c) {
        everySize(c, "a receive on another tag", SENDER_FIRST, ProgressContract::receiveAnotherTag);
    }

    /**
     * A receiver that waits for another request by testing it ({@code Request.waitAny}, a loop of {@code testAll} or of
     * {@code isDone}) moves the posted receive on too, as {@code MPI_Waitany} and {@code MPI_Test} do (the MPI engines
     * hung above their eager size: a test moved only its own request, and the sender's large message waited in a
     * blocking send for the posted receive, so the other message never came).
     */
    @Contract
    public void postedReceiveLetsSendCompleteWhileReceiverTestsAnotherRequest(Communicator c) {
        for (String how : List.of("waitAny", "testAll", "isDone")) {
            everySize(c, how + " on another request", SENDER_FIRST, (w, partner, receiver) -> {
                if (!receiver) {
                    w.send("after", partner, TAG + 1);
                    return;
                }
                Request<String> other = w.ireceive(partner, TAG + 1);
                switch (how) {
                    case "waitAny" -> assertThat(Request.waitAny(List.of(other))).isZero();
                    case "testAll" -> {
                        while (!Request.testAll(List.of(other))) {
                            Thread.yield(); // not a spin: a virtual rank must let its carrier go
                        }
                    }
                    default -> {
                        while (!other.isDone()) {
                            Thread.yield();
                        }
                    }
                }
                assertThat(other.await()).isEqualTo("after");
            });
        }
    }

    @Contract
    public void postedReceiveLetsSendCompleteWhileReceiverSendsItself(Communicator c) {
        everySize(c, "a send of its own", RECEIVER_FIRST, (w, partner, receiver) -> {
            if (receiver) {
                w.send(values(131_072, 3), partner, TAG + 2);
            } else {
                assertThat(w.receive(partner, TAG + 2, double[].class)).isEqualTo(values(131_072, 3));
            }
        });
    }

    /** The scenario: twenty dropped {@code isend} requests, garbage and a GC, then the receiver reads them. */
    @Contract
    public void droppedIsendRequestsStillDeliverIntactData(Communicator c) {
        for (int n : new int[] {8, 131_072}) {
            withDeadline(c, "dropped isends of " + n + " doubles", () -> {
                int partner = partner(c);
                if (sends(c)) {
                    for (int i = 0; i < 20; i++) {
                        c.isend(values(n, i), partner, TAG + 3); // request dropped on purpose
                    }
                }
                List<ByteBuffer> junk = churn();
                if (sends(c)) {
                    c.send("go", partner, TAG + 4);
                }
                if (receives(c)) {
                    assertThat(c.receive(partner, TAG + 4, String.class)).isEqualTo("go");
                    for (int i = 0; i < 20; i++) {
                        assertThat(c.receive(partner, TAG + 3, double[].class)).as("message %d of %d doubles", i, n)
                                .isEqualTo(values(n, i));
                    }
                }
                c.barrier();
                assertThat(junk).isNotEmpty();
            });
        }
    }

    /**
     * Twenty dropped {@code ireceive} requests: they still take their messages (the senders complete), and what MPI
     * writes lands in buffers the engine kept, never in memory the JVM reused (zeroed direct buffers stay zero).
     */
    @Contract
    public void droppedIreceiveRequestsStillCompleteAndCorruptNothing(Communicator c) {
        for (int n : new int[] {8, 131_072}) {
            withDeadline(c, "dropped ireceives of " + n + " doubles", () -> {
                int partner = partner(c);
                if (receives(c)) {
                    for (int i = 0; i < 20; i++) {
                        c.ireceive(partner, TAG + 5); // request dropped on purpose
                    }
                }
                churn();
                List<ByteBuffer> canaries = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    canaries.add(ByteBuffer.allocateDirect(n * 8 + 64));
                }
                c.barrier();
                if (sends(c)) {
                    for (int i = 0; i < 20; i++) {
                        c.send(values(n, i), partner, TAG + 5);
                    }
                    c.send(values(n, 99), partner, TAG + 6);
                }
                if (receives(c)) { // the sends above complete while this waits: the dropped receives take them
                    assertThat(c.receive(partner, TAG + 6, double[].class)).isEqualTo(values(n, 99));
                }
                c.barrier();
                for (ByteBuffer b : canaries) {
                    while (b.hasRemaining()) {
                        assertThat(b.get()).as("a zeroed direct buffer was written behind the program's back")
                                .isZero();
                    }
                }
            });
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The receiver's array collectives: allreduce, a large broadcastInto, alltoall. */
    private static void arrayCollectives(Communicator w, int partner, boolean receiver) {
        double[] sum = w.allreduce(new double[] {1, 2}, org.jpar.Op.SUM);
        assertThat(sum).containsExactly(w.size(), 2.0 * w.size());
        double[] big = new double[200_000];
        if (w.rank() == 0) {
            big[199_999] = 7;
        }
        w.broadcastInto(big, 0); // large: staged through direct buffers under Open MPI
        assertThat(big[199_999]).isEqualTo(7);
        int[] send = new int[w.size()];
        java.util.Arrays.fill(send, w.rank());
        int[] recv = new int[w.size()];
        w.alltoall(send, recv);
        for (int r = 0; r < w.size(); r++) {
            assertThat(recv[r]).isEqualTo(r);
        }
    }

    /** The receiver receives a string on another tag, which the sender sends after its message. */
    private static void receiveAnotherTag(Communicator w, int partner, boolean receiver) {
        if (receiver) {
            assertThat(w.receive(partner, TAG + 1, String.class)).isEqualTo("after");
        } else {
            w.send("after", partner, TAG + 1);
        }
    }

    private static void everySize(Communicator c, String between, int alone, Between call) {
        everySize(c, c, between, alone, call);
    }

    /** The message goes over {@code m} ({@code c} or a duplicate of it); {@code call} runs on {@code c}. */
    private static void everySize(Communicator c, Communicator m, String between, int alone, Between call) {
        for (int n : SIZES) {
            withDeadline(c, "a send of " + n + " doubles to a receive posted before " + between, () -> {
                int partner = partner(c);
                if (partner == c.rank()) { // one rank: it is its own sender
                    Request<double[]> r = m.ireceive(partner, TAG);
                    m.send(values(n, c.rank()), partner, TAG);
                    if (alone == ONCE) {
                        call.run(c, partner, true);
                    } else {
                        call.run(c, partner, alone == RECEIVER_FIRST);
                        call.run(c, partner, alone != RECEIVER_FIRST);
                    }
                    assertThat(r.await()).isEqualTo(values(n, c.rank()));
                } else if (partner >= 0 && isReceiver(c)) {
                    Request<double[]> r = m.ireceive(partner, TAG);
                    call.run(c, partner, true);
                    assertThat(r.await()).as("%d doubles", n).isEqualTo(values(n, partner));
                } else if (partner >= 0) {
                    m.send(values(n, c.rank()), partner, TAG);
                    call.run(c, partner, false);
                } else if (alone == ONCE) { // an odd last rank joins barriers and collectives
                    call.run(c, -1, false);
                }
                c.barrier();
            });
        }
    }

    /** @return this rank's partner (itself when alone), or -1 for an odd last rank */
    private static int partner(Communicator c) {
        if (c.size() == 1) {
            return 0;
        }
        int p = c.rank() ^ 1;
        return p < c.size() ? p : -1;
    }

    private static boolean isReceiver(Communicator c) {
        return c.rank() % 2 == 0;
    }

    /** @return true if this rank plays the receiver (a rank alone plays both) */
    private static boolean receives(Communicator c) {
        return partner(c) >= 0 && (isReceiver(c) || c.size() == 1);
    }

    /** @return true if this rank plays the sender (a rank alone plays both) */
    private static boolean sends(Communicator c) {
        return partner(c) >= 0 && (!isReceiver(c) || c.size() == 1);
    }

    private static double[] values(int n, int seed) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = seed * 1e6 + i + 0.25;
        }
        return a;
    }

    /** Garbage, a GC, and new direct buffers filled with junk where freed ones were. */
    private static List<ByteBuffer> churn() {
        List<Object> garbage = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            garbage.add(new byte[256 * 1024]);
            garbage.add(ByteBuffer.allocateDirect(64 * 1024));
        }
        garbage.clear();
        System.gc();
        try {
            Thread.sleep(100); // lets the cleaner free unreachable direct buffers
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<ByteBuffer> junk = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(i % 2 == 0 ? 8 * 1024 : 1 << 20);
            while (b.hasRemaining()) {
                b.put((byte) 0x5A);
            }
            junk.add(b);
        }
        return junk;
    }

    private static void withDeadline(Communicator c, String what, Runnable body) {
        try (Deadline d = new Deadline(c, what)) {
            d.start();
            body.run();
        }
    }

    /**
     * Stops the JVM with a message if the block does not end in {@link #DEADLINE_SECONDS}: a hang fails the build
     * instead of stalling it. Its thread belongs to no rank (the embedded engine's deadlock watchdog ignores it).
     */
    private static final class Deadline implements AutoCloseable {
        private final Thread thread;

        Deadline(Communicator c, String what) {
            ThreadGroup root = Thread.currentThread().getThreadGroup();
            while (root.getParent() != null) {
                root = root.getParent();
            }
            String message = "ProgressContract: " + what + " did not finish within " + DEADLINE_SECONDS + " s on rank "
                    + c.rank() + " of " + c.size() + " (engine " + c.engine() + "): it hangs; stopping this JVM";
            thread = new Thread(root, () -> {
                try {
                    Thread.sleep(DEADLINE_SECONDS * 1000);
                } catch (InterruptedException e) {
                    return;
                }
                System.err.println(message);
                Runtime.getRuntime().halt(3);
            }, "progress-contract-deadline");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        @Override
        public void close() {
            thread.interrupt();
        }
    }
}
