package org.jpar.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Request;

/**
 * Object messages of every shape travel on every engine: deep chains, cycles, shared references, large mixed lists;
 * a class the receiver cannot load is a clear error naming the class and the receiving rank.
 */
public class ObjectShapesContract {
    /** A node of a linked list: each node holds the next. */
    public static final class Node {
        public int value;
        public Node next;

        public Node(int value, Node next) {
            this.value = value;
            this.next = next;
        }
    }

    private static int right(Communicator c) {
        return (c.rank() + 1) % c.size();
    }

    private static int left(Communicator c) {
        return (c.rank() - 1 + c.size()) % c.size();
    }

    private static Node chain(int n, int base) {
        Node head = null;
        for (int i = n - 1; i >= 0; i--) {
            head = new Node(base + i, head);
        }
        return head;
    }

    private static void assertChain(Node node, int n, int base) {
        for (int i = 0; i < n; i++) {
            assertThat(node.value).isEqualTo(base + i);
            node = node.next;
        }
        assertThat(node).isNull();
    }

    @Contract
    public void linkedListsOf51And100000NodesTravel(Communicator c) {
        Request<Void> out = c.isend(chain(51, c.rank()), right(c), 1); // large sends may wait for their receiver
        assertChain(c.receive(left(c), 1, Node.class), 51, left(c));
        out.await();
        out = c.isend(chain(100_000, c.rank()), right(c), 2);
        assertChain(c.receive(left(c), 2), 100_000, left(c));
        out.await();
        c.barrier();
    }

    @Contract
    public void cyclesAndSharedReferencesTravel(Communicator c) {
        Node a = new Node(c.rank(), null);
        a.next = new Node(-1, a);
        List<Object> shared = new ArrayList<>(List.of("s", c.rank()));
        List<Object> twice = new ArrayList<>(List.of(shared, shared, a, a));
        Request<Void> out = c.isend(twice, right(c), 3);
        List<?> got = c.receive(left(c), 3);
        out.await();
        assertThat(got.get(0)).isSameAs(got.get(1)).isEqualTo(List.of("s", left(c)));
        assertThat(got.get(2)).isSameAs(got.get(3));
        Node back = (Node) got.get(2);
        assertThat(back.value).isEqualTo(left(c));
        assertThat(back.next.next).isSameAs(back);
        c.barrier();
    }

    @Contract
    public void aMixedListOfAMillionBoxedNumbersAndStringsTravels(Communicator c) {
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < 1_000_000; i++) {
            list.add(i % 3 == 0 ? (Object) (i + c.rank()) : i % 3 == 1 ? (Object) ("s" + i) : (Object) (i * 0.5));
        }
        Request<Void> out = c.isend(list, right(c), 4);
        List<?> got = c.receive(left(c), 4);
        out.await();
        assertThat(got).hasSize(list.size());
        assertThat(got.get(0)).isEqualTo(left(c));
        assertThat(got.get(1)).isEqualTo("s1");
        assertThat(got.get(999_999)).isEqualTo(999_999 + left(c));
        c.barrier();
    }

    @Contract
    public void aClassTheReceiverCannotLoadIsAClearErrorNamingTheClassAndTheRank(Communicator c) throws Exception {
        Request<Void> out = c.isend(onlyHere(), right(c), 5);
        assertThatThrownBy(() -> c.receive(left(c), 5))
                .isInstanceOf(JparException.class)
                .hasMessageContaining("org.jpar.contract.OnlyHerX")
                .hasMessageContaining("rank " + c.rank());
        out.await();
        c.barrier();
    }

    @Contract
    public void aTypedReceiveOfTheWrongClassNamesItWithoutDecodingIt(Communicator c) {
        Request<Void> out = c.isend(chain(3, 0), right(c), 6);
        assertThatThrownBy(() -> c.receive(left(c), 6, String.class))
                .isInstanceOf(JparException.class)
                .hasMessageContaining("expected java.lang.String")
                .hasMessageContaining(Node.class.getName())
                .hasMessageContaining("tag 6");
        out.await();
        c.barrier();
    }

    /** A record holding a large array. */
    public record Holder(int from, double[] values) {
    }

    @Contract
    public void aRecordHolding129MiBOfArrayDataTravels(Communicator c) {
        int n = 129 * 1024 * 1024 / 8;
        int to = c.size() > 1 ? 1 : 0;
        Request<Void> out = null;
        if (c.rank() == 0) {
            double[] values = new double[n];
            values[n - 1] = 42;
            out = c.isend(new Holder(0, values), to, 7);
        }
        if (c.rank() == to) {
            Holder h = c.receive(0, 7, Holder.class);
            assertThat(h.values()).hasSize(n);
            assertThat(h.values()[n - 1]).isEqualTo(42);
        }
        if (out != null) {
            out.await();
        }
        c.barrier();
    }

    /** @return an instance of a class no other class loader has: OnlyHere renamed, in a private loader */
    private static Object onlyHere() throws Exception {
        byte[] bytes;
        try (InputStream in = OnlyHere.class.getResourceAsStream("OnlyHere.class")) {
            bytes = in.readAllBytes();
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1)
                .replace("org/jpar/contract/OnlyHere", "org/jpar/contract/OnlyHerX");
        byte[] renamed = text.getBytes(StandardCharsets.ISO_8859_1);
        ClassLoader parent = ObjectShapesContract.class.getClassLoader();
        Class<?> cls = new ClassLoader(parent) {
            Class<?> define() {
                return defineClass("org.jpar.contract.OnlyHerX", renamed, 0, renamed.length);
            }
        }.define();
        return cls.getConstructor().newInstance();
    }
}
