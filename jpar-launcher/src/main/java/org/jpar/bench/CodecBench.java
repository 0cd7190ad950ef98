package org.jpar.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Par;

/**
 * Object messages of ordinary shapes and sizes, rank 0 to rank 1: the time from the start of a send until rank 1 has
 * the decoded value (it answers with a small acknowledgement), the best of 3. Payloads: a 10-million-element
 * {@code ArrayList} of mixed boxed numbers and strings, a linked list of 100,000 nodes, a record holding a 129 MiB
 * {@code double[]}. Argument: {@code [scale]} (a factor on the sizes, default 1).
 */
public final class CodecBench {
    private CodecBench() {
    }

    /** A linked list node: each holds the next. */
    public static final class Node {
        public int value;
        public Node next;
    }

    /** A record holding a large array. */
    public record Holder(String name, double[] values) {
    }

    /** @param args {@code [scale]} */
    public static void main(String[] args) {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1;
        Communicator c = Par.world();
        if (c.size() < 2) {
            throw new JparException("bench codec needs 2 ranks, got " + c.size() + ": run it with -np 2");
        }
        int elements = (int) (10_000_000 * scale);
        run(c, "mixed_list_" + elements, () -> mixedList(elements));
        int nodes = (int) (100_000 * scale);
        run(c, "linked_list_" + nodes, () -> chain(nodes));
        int doubles = (int) (129L * 1024 * 1024 / 8 * scale);
        run(c, "record_double_array_" + (8L * doubles) + "B", () -> new Holder("h", new double[doubles]));
        Par.finish();
    }

    private static void run(Communicator c, String name, java.util.function.Supplier<Object> make) {
        Object value = c.rank() == 0 ? make.get() : null;
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 3; rep++) {
            c.barrier();
            if (c.rank() == 0) {
                long start = System.nanoTime();
                c.send(value, 1, 1);
                c.receive(1, 2);
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            } else if (c.rank() == 1) {
                Object got = c.receive(0, 1);
                c.send(got == null ? 0 : 1, 0, 2);
            }
        }
        if (c.rank() == 0) {
            System.out.println(String.format(Locale.ROOT, "jpar-%s codec payload=%s seconds_per_send=%.3f",
                    c.engine(), name, best));
        }
    }

    private static List<Object> mixedList(int n) {
        List<Object> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            switch (i & 3) {
                case 0 -> list.add(i);
                case 1 -> list.add((long) i << 20);
                case 2 -> list.add(i * 0.5);
                default -> list.add("s" + i);
            }
        }
        return list;
    }

    private static Node chain(int n) {
        Node head = null;
        for (int i = 0; i < n; i++) {
            Node node = new Node();
            node.value = i;
            node.next = head;
            head = node;
        }
        return head;
    }
}
