package org.jpar.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpar.Communicator;
import org.jpar.Envelope;
import org.jpar.JparException;
import org.jpar.Par;
import org.jpar.Request;

/**
 * The point-to-point and collective contract every engine keeps. Written once, size-agnostic (1 rank and up): each
 * method runs on every rank of a job, and the suite runs it on every engine at several sizes.
 */
public class PointToPointContract {
    /** A user class with no no-arg constructor. */
    public record Particle(int id, double[] position, String label) {
    }

    /** A mutable user class. */
    public static final class Box implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        public List<String> items = new ArrayList<>();
    }

    private static int right(Communicator c) {
        return (c.rank() + 1) % c.size();
    }

    private static int left(Communicator c) {
        return (c.rank() - 1 + c.size()) % c.size();
    }

    /**
     * A long ping-pong between pairs of ranks: no message is ever lost, whatever else watches the ranks (the embedded
     * engine's deadlock watchdog once took a message a blocked receive was about to take, and lost it).
     */
    @Contract
    public void aLongPingPongLosesNoMessage(Communicator c) {
        int partner = c.rank() ^ 1;
        if (partner < c.size()) {
            byte[] ball = new byte[8];
            for (int i = 0; i < 100_000; i++) {
                if (c.rank() % 2 == 0) {
                    ball[0] = (byte) i;
                    c.send(ball, partner, 3);
                    assertThat(c.<byte[]>receive(partner, 3)[0]).isEqualTo((byte) i);
                } else {
                    c.send(c.<byte[]>receive(partner, 3), partner, 3);
                }
            }
        }
        c.barrier();
    }

    @Contract
    public void rankSizeAndNode(Communicator c) {
        assertThat(c.rank()).isBetween(0, c.size() - 1);
        assertThat(c.processorName()).isNotBlank();
        assertThat(Par.world().rank()).isEqualTo(c.rank());
        assertThat(Par.size()).isEqualTo(c.size());
        List<Integer> all = c.allgather(c.rank());
        for (int r = 0; r < c.size(); r++) {
            assertThat(all.get(r)).isEqualTo(r);
        }
    }

    @Contract
    public void objectsArriveEqual(Communicator c) {
        Map<String, Object> map = new HashMap<>();
        map.put("from", c.rank());
        map.put("list", List.of(1, 2, 3));
        Particle p = new Particle(c.rank(), new double[] {c.rank(), 2.5}, "p" + c.rank());
        c.send(map, right(c), 1);
        c.send(p, right(c), 2);
        Map<String, Object> gotMap = c.receive(left(c), 1);
        Particle got = c.receive(left(c), 2, Particle.class);
        assertThat(gotMap).containsEntry("from", left(c)).containsEntry("list", List.of(1, 2, 3));
        assertThat(got.id()).isEqualTo(left(c));
        assertThat(got.position()).containsExactly(left(c), 2.5);
        assertThat(got.label()).isEqualTo("p" + left(c));
    }

    @Contract
    public void everyPrimitiveArrayTypeArrives(Communicator c) {
        int r = c.rank();
        Object[] sent = {
            new byte[] {(byte) r, -1}, new short[] {(short) r, 300}, new int[] {r, 70000}, new long[] {r, 1L << 40},
            new float[] {r, 1.5f}, new double[] {r, Math.PI}, new char[] {(char) ('a' + r), 'z'},
            new boolean[] {r % 2 == 0, true},
        };
        for (int i = 0; i < sent.length; i++) {
            c.send(sent[i], right(c), 10 + i);
        }
        int l = left(c);
        assertThat(c.receive(l, 10, byte[].class)).containsExactly((byte) l, (byte) -1);
        assertThat(c.receive(l, 11, short[].class)).containsExactly((short) l, (short) 300);
        assertThat(c.receive(l, 12, int[].class)).containsExactly(l, 70000);
        assertThat(c.receive(l, 13, long[].class)).containsExactly(l, 1L << 40);
        assertThat(c.receive(l, 14, float[].class)).containsExactly(l, 1.5f);
        assertThat(c.receive(l, 15, double[].class)).containsExactly(l, Math.PI);
        assertThat(c.receive(l, 16, char[].class)).containsExactly((char) ('a' + l), 'z');
        assertThat(c.receive(l, 17, boolean[].class)).containsExactly(l % 2 == 0, true);
    }

    @Contract
    public void receiverGetsItsOwnCopy(Communicator c) {
        int[] array = {1, 2, 3};
        Box box = new Box();
        box.items.add("before");
        c.send(array, right(c), 3);
        c.send(box, right(c), 4);
        array[0] = 99;
        box.items.set(0, "after");
        int[] gotArray = c.receive(left(c), 3);
        Box gotBox = c.receive(left(c), 4);
        assertThat(gotArray).containsExactly(1, 2, 3);
        assertThat(gotBox.items).containsExactly("before");
        assertThat(gotBox).isNotSameAs(box);
        if (c.size() == 1) {
            assertThat(gotArray).isNotSameAs(array);
        }
    }

    @Contract
    public void receiveIntoABufferReportsTheSize(Communicator c) {
        c.send(new int[] {c.rank(), 7, 8}, right(c), 5);
        int[] buffer = new int[10];
        Envelope<Object> e = c.receiveInto(buffer, left(c), 5);
        assertThat(e.value()).isSameAs(buffer);
        assertThat(e.source()).isEqualTo(left(c));
        assertThat(e.tag()).isEqualTo(5);
        assertThat(e.bytes()).isEqualTo(12);
        assertThat(buffer).startsWith(left(c), 7, 8);
    }

    @Contract
    public void tagsSelectMessages(Communicator c) {
        c.send("one", right(c), 1);
        c.send("two", right(c), 2);
        c.send("three", right(c), 3);
        assertThat(c.<String>receive(left(c), 3)).isEqualTo("three");
        assertThat(c.<String>receive(left(c), 1)).isEqualTo("one");
        assertThat(c.<String>receive(left(c), 2)).isEqualTo("two");
    }

    @Contract
    public void anySourceAndAnyTagReportTheActualOnes(Communicator c) {
        c.send(new long[] {c.rank()}, 0, 100 + c.rank());
        if (c.rank() == 0) {
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < c.size(); i++) {
                Envelope<Object> e = c.receiveEnvelope(Par.ANY_SOURCE, Par.ANY_TAG);
                long[] v = (long[]) e.value();
                assertThat(v[0]).isEqualTo(e.source());
                assertThat(e.tag()).isEqualTo(100 + e.source());
                assertThat(e.bytes()).isEqualTo(8);
                seen.add(e.source());
            }
            assertThat(seen).hasSize(c.size());
        }
        c.barrier();
    }

    @Contract
    public void messagesBetweenAPairArriveInOrder(Communicator c) {
        int n = 500;
        for (int i = 0; i < n; i++) {
            c.send(i % 2 == 0 ? Integer.valueOf(i) : new int[] {i}, right(c), 7);
        }
        for (int i = 0; i < n; i++) {
            Object got = c.receive(left(c), 7);
            int value = got instanceof Integer x ? x : ((int[]) got)[0];
            assertThat(value).isEqualTo(i);
        }
        for (int i = 0; i < 50; i++) {
            c.send(i, right(c), 8);
        }
        for (int i = 0; i < 50; i++) {
            assertThat(c.<Integer>receive(Par.ANY_SOURCE, Par.ANY_TAG)).isEqualTo(i);
        }
    }

    @Contract
    public void sendingToYourselfWorks(Communicator c) {
        c.send("me", c.rank(), 9);
        c.send(new double[] {1, 2}, c.rank(), 9);
        assertThat(c.<String>receive(c.rank(), 9)).isEqualTo("me");
        assertThat(c.receive(c.rank(), 9, double[].class)).containsExactly(1, 2);
        long[] big = new long[256 * 1024]; // 2 MiB: larger than any eager limit, and still no deadlock
        big[big.length - 1] = c.rank();
        c.send(big, c.rank(), 10);
        assertThat(c.receive(c.rank(), 10, long[].class)).hasSize(big.length).endsWith(c.rank());
    }

    @Contract
    public void nullEmptyAndUnicodeMessages(Communicator c) {
        c.send(null, right(c), 1);
        c.send("", right(c), 2);
        c.send("héllo wörld ✓ 日本", right(c), 3);
        c.send(new byte[0], right(c), 4);
        Object nothing = c.receive(left(c), 1);
        assertThat(nothing).isNull();
        assertThat(c.<String>receive(left(c), 2)).isEmpty();
        assertThat(c.<String>receive(left(c), 3)).isEqualTo("héllo wörld ✓ 日本");
        assertThat(c.receive(left(c), 4, byte[].class)).isEmpty();
    }

    @Contract
    public void largeArraysArriveIntact(Communicator c) {
        double[] big = new double[512 * 1024];
        for (int i = 0; i < big.length; i++) {
            big[i] = c.rank() + i * 0.5;
        }
        Request<Void> sent = c.isend(big, right(c), 6);
        double[] got = c.receive(left(c), 6, double[].class);
        sent.await();
        assertThat(got).hasSize(big.length);
        for (int i = 0; i < got.length; i += 4099) {
            assertThat(got[i]).isEqualTo(left(c) + i * 0.5);
        }
    }

    /**
     * Blocking sends of messages larger than one MPI message (head and rest), of every kind, received as new values,
     * into buffers of the exact and of a larger size, from {@code ANY_SOURCE}, with a nonblocking receive pending, and
     * into a buffer too small (an error, after which the next message still arrives): the native engine receives these
     * rests straight into the Java array.
     */
    @Contract
    public void largeBlockingMessagesOfEveryKindArriveIntact(Communicator c) {
        int n = 40_000; // 80-320 KB: above every engine's one-message size
        byte[] b = new byte[n];
        short[] sh = new short[n];
        char[] ch = new char[n];
        int[] in = new int[n];
        long[] lo = new long[n];
        float[] fl = new float[n];
        double[] db = new double[n];
        boolean[] bo = new boolean[n];
        StringBuilder latin = new StringBuilder();
        StringBuilder utf = new StringBuilder();
        int me = c.rank();
        int from = left(c);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i + me);
            sh[i] = (short) (i * 3 + me);
            ch[i] = (char) (i + 7 * me);
            in[i] = i * 31 + me;
            lo[i] = i * 1_000_003L + me;
            fl[i] = i * 0.25f + me;
            db[i] = i * 0.5 + me;
            bo[i] = (i + me) % 3 == 0;
            latin.append((char) ('a' + (i + me) % 26));
            utf.append(i % 2 == 0 ? '✓' : (char) ('A' + (i + me) % 26));
        }
        Object[] mine = {b, sh, ch, in, lo, fl, db, bo, latin.toString(), utf.toString(),
            new Particle(me, db, latin.toString())};
        boolean sendFirst = me % 2 == 0;
        List<Object> got = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            if (sendFirst == (round == 0)) {
                for (Object m : mine) {
                    c.send(m, right(c), 28);
                }
                c.send(db, right(c), 28); // into a buffer of the exact size
                c.send(in, right(c), 28); // into a larger buffer
                c.send(lo, right(c), 28); // into a buffer too small
                c.send(db, right(c), 28); // after the failed one, from ANY_SOURCE
            } else {
                for (int k = 0; k < mine.length; k++) {
                    got.add(c.receive(from, 28));
                }
                double[] exact = new double[n];
                assertThat(c.receiveInto(exact, from, 28).bytes()).isEqualTo(8L * n);
                got.add(exact);
                int[] larger = new int[n + 5];
                c.receiveInto(larger, from, 28);
                got.add(java.util.Arrays.copyOf(larger, n));
                assertThat(larger[n]).isZero();
                assertThatThrownBy(() -> c.receiveInto(new long[n - 1], from, 28))
                        .isInstanceOf(JparException.class)
                        .hasMessageContaining("long[] of " + n + " elements");
                Envelope<Object> any = c.receiveEnvelope(Par.ANY_SOURCE, 28);
                got.add(any.value());
            }
        }
        Request<double[]> pending = c.ireceive(from, 29); // now blocking calls must also move this receive on
        for (int round = 0; round < 2; round++) {
            if (sendFirst == (round == 0)) {
                c.send(db, right(c), 30);
            } else {
                got.add(c.receive(from, 30));
            }
        }
        c.send(new double[] {me}, right(c), 29);
        assertThat(pending.await()).containsExactly(from);
        assertThat((byte[]) got.get(0)).isEqualTo(shifted(b, from - me));
        for (int i = 0; i < n; i += 997) {
            assertThat(((short[]) got.get(1))[i]).isEqualTo((short) (i * 3 + from));
            assertThat(((char[]) got.get(2))[i]).isEqualTo((char) (i + 7 * from));
            assertThat(((int[]) got.get(3))[i]).isEqualTo(i * 31 + from);
            assertThat(((long[]) got.get(4))[i]).isEqualTo(i * 1_000_003L + from);
            assertThat(((float[]) got.get(5))[i]).isEqualTo(i * 0.25f + from);
            assertThat(((double[]) got.get(6))[i]).isEqualTo(i * 0.5 + from);
            assertThat(((boolean[]) got.get(7))[i]).isEqualTo((i + from) % 3 == 0);
            assertThat(((String) got.get(8)).charAt(i)).isEqualTo((char) ('a' + (i + from) % 26));
            assertThat(((String) got.get(9)).charAt(i)).isEqualTo(i % 2 == 0 ? '✓' : (char) ('A' + (i + from) % 26));
            assertThat(((Particle) got.get(10)).position()[i]).isEqualTo(i * 0.5 + from);
            assertThat(((double[]) got.get(11))[i]).isEqualTo(i * 0.5 + from);
            assertThat(((int[]) got.get(12))[i]).isEqualTo(i * 31 + from);
            assertThat(((double[]) got.get(13))[i]).isEqualTo(i * 0.5 + from);
            assertThat(((double[]) got.get(14))[i]).isEqualTo(i * 0.5 + from);
        }
        assertThat(((double[]) got.get(6))[n - 1]).isEqualTo((n - 1) * 0.5 + from);
        assertThat(((Particle) got.get(10)).id()).isEqualTo(from);
        assertThat(((String) got.get(8))).hasSize(n);
        assertThat(((String) got.get(9))).hasSize(n);
        c.barrier();
    }

    /**
     * Blocking sends large enough for the native engine to send their rests in pieces (a 3 MiB {@code double[]} and a
     * {@code byte[]} of odd length), taken by every kind of receive: nonblocking receives posted first, new values
     * and buffers received straight, the same with a nonblocking receive pending, and after a probe. Every element is
     * checked. Pairs of ranks: the even one sends, the odd one receives.
     */
    @Contract
    public void largeBlockingSendsArriveWhateverTheReceive(Communicator c) {
        int partner = c.rank() ^ 1;
        if (partner >= c.size()) {
            c.barrier();
            return;
        }
        int sender = c.rank() & ~1;
        double[] d = new double[3 * 131_072 + 3];
        byte[] b = new byte[300_001];
        for (int i = 0; i < d.length; i++) {
            d[i] = i * 0.25 + sender;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 7 + sender);
        }
        if (c.rank() == sender) {
            for (int k = 0; k < 5; k++) {
                c.send(d, partner, 31);
                c.send(b, partner, 31);
            }
            c.send("last", partner, 32);
        } else {
            List<Object> got = new ArrayList<>();
            Request<double[]> first = c.ireceive(partner, 31);
            Request<byte[]> second = c.ireceive(partner, 31);
            got.add(first.await());
            got.add(second.await());
            got.add(c.receive(partner, 31, double[].class));
            got.add(c.receive(partner, 31, byte[].class));
            double[] intoD = new double[d.length];
            byte[] intoB = new byte[b.length + 9];
            assertThat(c.receiveInto(intoD, partner, 31).bytes()).isEqualTo(8L * d.length);
            assertThat(c.receiveInto(intoB, partner, 31).bytes()).isEqualTo(b.length);
            got.add(intoD);
            got.add(java.util.Arrays.copyOf(intoB, b.length));
            Request<String> pending = c.ireceive(partner, 32); // blocking receives now also move this one on
            got.add(c.receive(partner, 31, double[].class));
            got.add(c.receive(partner, 31, byte[].class));
            assertThat(c.probe(partner, 31).bytes()).isEqualTo(8L * d.length);
            got.add(c.receive(partner, 31, double[].class));
            assertThat(c.probe(partner, 31).bytes()).isEqualTo(b.length);
            got.add(c.receive(partner, 31, byte[].class));
            assertThat(pending.await()).isEqualTo("last");
            for (int k = 0; k < got.size(); k += 2) {
                assertThat((double[]) got.get(k)).as("double[] #%d", k / 2).isEqualTo(d);
                assertThat((byte[]) got.get(k + 1)).as("byte[] #%d", k / 2).isEqualTo(b);
            }
        }
        c.barrier();
    }

    private static byte[] shifted(byte[] mine, int by) {
        byte[] b = new byte[mine.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (mine[i] + by);
        }
        return b;
    }

    @Contract
    public void nonblockingSendAndReceive(Communicator c) {
        Request<String> in = c.ireceive(left(c), 11);
        Request<Void> out = c.isend("nb" + c.rank(), right(c), 11);
        assertThat(in.await()).isEqualTo("nb" + left(c));
        assertThat(in.isDone()).isTrue();
        assertThat(in.awaitEnvelope().source()).isEqualTo(left(c));
        out.await();
        assertThat(out.isDone()).isTrue();
    }

    @Contract
    public void receivingTheWrongTypeNamesBothTypesSourceAndTag(Communicator c) {
        c.send(new int[] {1}, right(c), 12);
        assertThatThrownBy(() -> c.receive(left(c), 12, String.class))
                .isInstanceOf(JparException.class)
                .hasMessageContaining("expected java.lang.String")
                .hasMessageContaining("rank " + left(c) + " sent int[]")
                .hasMessageContaining("tag 12");
        c.send(new double[] {1, 2}, right(c), 13);
        assertThatThrownBy(() -> c.receiveInto(new int[4], left(c), 13))
                .isInstanceOf(JparException.class)
                .hasMessageContaining("expected int[]")
                .hasMessageContaining("rank " + left(c) + " sent double[]")
                .hasMessageContaining("tag 13");
        c.send(new int[] {1, 2, 3}, right(c), 14);
        assertThatThrownBy(() -> c.receiveInto(new int[2], left(c), 14))
                .isInstanceOf(JparException.class)
                .hasMessageContaining("int[] of up to 2 elements")
                .hasMessageContaining("int[] of 3 elements");
        c.barrier();
    }

    @Contract
    public void badRanksAndTagsNameTheValueAndTheRange(Communicator c) {
        int n = c.size();
        assertThatThrownBy(() -> c.send("x", n))
                .isInstanceOf(JparException.class)
                .hasMessage("send: dest rank " + n + " is out of range: valid ranks are 0.." + (n - 1) + " (size " + n + ")");
        assertThatThrownBy(() -> c.receive(-3))
                .hasMessage("receive: source rank -3 is out of range: valid ranks are 0.." + (n - 1) + " (size " + n
                        + ") or Par.ANY_SOURCE");
        assertThatThrownBy(() -> c.send("x", 0, 40000))
                .hasMessage("send: tag 40000 is out of range: valid tags are 0..32767");
        assertThatThrownBy(() -> c.receive(0, -5))
                .hasMessage("receive: tag -5 is out of range: valid tags are 0..32767 or Par.ANY_TAG");
        assertThatThrownBy(() -> c.receiveInto(new Object(), 0, 0))
                .hasMessageStartingWith("receiveInto: the buffer must be a primitive array");
        assertThatThrownBy(() -> c.send("x", Par.ANY_SOURCE))
                .hasMessage("send: dest rank -1 is Par.ANY_SOURCE, which only receives take: give a rank 0.." + (n - 1)
                        + " (size " + n + ")");
        assertThatThrownBy(() -> c.isend("x", 0, Par.ANY_TAG))
                .hasMessage("isend: tag -1 is Par.ANY_TAG, which only receives take: give a tag 0..32767");
        assertThatThrownBy(() -> c.broadcast("x", n))
                .hasMessageStartingWith("broadcast: root rank " + n + " is out of range");
    }

    @Contract
    public void collectives(Communicator c) {
        int n = c.size();
        c.barrier();
        String b = c.broadcast(c.rank() == n - 1 ? "from last" : null, n - 1);
        assertThat(b).isEqualTo("from last");
        int[] arr = c.broadcast(c.rank() == 0 ? new int[] {4, 5} : null, 0);
        assertThat(arr).containsExactly(4, 5);
        List<String> gathered = c.gather("r" + c.rank(), 0);
        if (c.rank() == 0) {
            List<String> expected = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                expected.add("r" + r);
            }
            assertThat(gathered).isEqualTo(expected);
        } else {
            assertThat(gathered).isNull();
        }
        List<Integer> parts = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            parts.add(r * 10);
        }
        assertThat(c.scatter(c.rank() == 0 ? parts : null, 0)).isEqualTo(c.rank() * 10);
        Integer sum = c.reduce(c.rank() + 1, Integer::sum, 0);
        if (c.rank() == 0) {
            assertThat(sum).isEqualTo(n * (n + 1) / 2);
        }
        assertThat(c.allreduce(c.rank(), Math::max)).isEqualTo(n - 1);
        // user messages with ANY_TAG never see collective traffic
        c.send("user", right(c), 0);
        c.barrier();
        assertThat(c.<String>receive(Par.ANY_SOURCE, Par.ANY_TAG)).isEqualTo("user");
        c.barrier();
    }
}
