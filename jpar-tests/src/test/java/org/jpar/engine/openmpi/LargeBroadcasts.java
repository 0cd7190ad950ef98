package org.jpar.engine.openmpi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jpar.Communicator;
import org.jpar.Par;

/**
 * Broadcasts of values larger than one message (their payload goes in a native broadcast) of every kind, from every
 * root, mixed with small ones; every rank checks what it got and prints {@code rank R broadcasts ok}.
 */
public final class LargeBroadcasts {
    private LargeBroadcasts() {
    }

    public static void main(String[] args) {
        Communicator c = Par.world();
        for (int root = 0; root < c.size(); root++) {
            for (Object expected : values(root)) {
                Object got = c.broadcast(c.rank() == root ? expected : null, root);
                if (!Arrays.deepEquals(new Object[] {got}, new Object[] {expected})) {
                    throw new AssertionError("broadcast from " + root + ": got a " + describe(got) + ", expected a "
                            + describe(expected));
                }
                if (c.rank() == root && got != expected) {
                    throw new AssertionError("the root must get its own object back");
                }
            }
        }
        c.barrier();
        System.out.println("rank " + c.rank() + " broadcasts ok");
        Par.finish();
    }

    private static List<Object> values(int root) {
        double[] doubles = new double[300_000];
        boolean[] booleans = new boolean[100_001];
        StringBuilder latin = new StringBuilder();
        StringBuilder utf16 = new StringBuilder();
        List<Integer> ints = new ArrayList<>();
        Map<String, Integer> map = new HashMap<>();
        for (int i = 0; i < 100_000; i++) {
            if (i < doubles.length) {
                doubles[i] = root + i * 0.25;
            }
            booleans[i] = (i + root) % 3 == 0;
            latin.append((char) ('a' + (i + root) % 26));
            utf16.append(i % 7 == root ? '✓' : 'x');
            ints.add(i * 31 + root);
            if (i < 20_000) {
                map.put("k" + i, i + root);
            }
        }
        return List.of(doubles, "small " + root, booleans, latin.toString(), utf16.toString(), ints, map,
                new int[] {root}, new long[70_000]);
    }

    private static String describe(Object o) {
        if (o == null) {
            return "null";
        }
        if (o.getClass().isArray()) {
            return o.getClass().getTypeName() + " of " + java.lang.reflect.Array.getLength(o) + " elements";
        }
        return o.getClass().getTypeName() + (o instanceof String s ? " of length " + s.length() : "");
    }
}
