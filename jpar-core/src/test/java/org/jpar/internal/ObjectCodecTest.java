package org.jpar.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jpar.JparException;
import org.junit.jupiter.api.Test;

class ObjectCodecTest {
    private final ObjectCodec codec = new ObjectCodec(ObjectCodecTest.class.getClassLoader(), "rank 3");

    /** A node of a linked list (each node holds the next) or of a tree. */
    public static final class Node {
        int value;
        Node next;
        List<Node> children = new ArrayList<>();

        Node(int value, Node next) {
            this.value = value;
            this.next = next;
        }
    }

    public record Doubles(double[] values) {
    }

    public record TwoArrays(byte[] a, byte[] b) {
    }

    public record Payload(int x) {
    }

    private Object roundTrip(Object value) {
        return codec.decode(codec.encode(value));
    }

    private static Node chain(int n) {
        Node head = null;
        for (int i = n - 1; i >= 0; i--) {
            head = new Node(i, head);
        }
        return head;
    }

    private static void assertChain(Object decoded, int n) {
        Node node = (Node) decoded;
        for (int i = 0; i < n; i++) {
            assertThat(node.value).isEqualTo(i);
            node = node.next;
        }
        assertThat(node).isNull();
    }

    @Test
    void aLinkedListOf51NodesTravels() {
        assertChain(roundTrip(chain(51)), 51);
    }

    @Test
    void aLinkedListOf100000NodesTravels() {
        assertChain(roundTrip(chain(100_000)), 100_000);
    }

    /** Over the limit: the receiver names the setting that raises it, not the codec's own builder. */
    @Test
    void aValueDeeperThanTheLimitNamesTheSettingThatRaisesIt() {
        byte[] bytes = new ObjectCodec(getClass().getClassLoader()).encode(chain(ObjectCodec.MAX_DEPTH + 1));
        assertThatThrownBy(() -> new ObjectCodec(getClass().getClassLoader(), "rank 1").decode(bytes))
                .isInstanceOf(JparException.class)
                .hasMessageStartingWith("rank 1 cannot decode a received value: it nests deeper than "
                        + ObjectCodec.MAX_DEPTH + " levels; raise the limit on every rank with -Djpar.codec.maxDepth=N");
    }

    @Test
    void aDeepTreeTravels() {
        Node root = chain(20_000);
        for (Node n = root; n != null; n = n.next) {
            n.children.add(new Node(-n.value, null));
        }
        Node back = (Node) roundTrip(root);
        int count = 0;
        for (Node n = back; n != null; n = n.next) {
            assertThat(n.children).hasSize(1);
            assertThat(n.children.get(0).value).isEqualTo(-n.value);
            count++;
        }
        assertThat(count).isEqualTo(20_000);
    }

    @Test
    void deeplyNestedListsTravel() {
        List<Object> root = new ArrayList<>();
        List<Object> at = root;
        for (int i = 0; i < 5000; i++) {
            List<Object> inner = new ArrayList<>();
            at.add(i);
            at.add(inner);
            at = inner;
        }
        Object back = roundTrip(root);
        for (int i = 0; i < 5000; i++) {
            List<?> l = (List<?>) back;
            assertThat(l.get(0)).isEqualTo(i);
            back = l.get(1);
        }
        assertThat((List<?>) back).isEmpty();
    }

    @Test
    void cyclesAndSharedReferencesKeepTheirIdentity() {
        Node a = new Node(1, null);
        Node b = new Node(2, a);
        a.next = b;
        Node back = (Node) roundTrip(a);
        assertThat(back.next.next).isSameAs(back);

        List<Object> shared = new ArrayList<>(List.of("x", 1));
        List<Object> twice = new ArrayList<>();
        twice.add(shared);
        twice.add(shared);
        twice.add(twice);
        @SuppressWarnings("unchecked")
        List<Object> got = (List<Object>) roundTrip(twice);
        assertThat(got.get(0)).isSameAs(got.get(1)).isEqualTo(shared);
        assertThat(got.get(2)).isSameAs(got);
        int[] array = {1, 2};
        Object[] two = {array, array};
        Object[] gotArrays = (Object[]) roundTrip(two);
        assertThat(gotArrays[0]).isSameAs(gotArrays[1]);
    }

    @Test
    void aMixedListOfBoxedNumbersAndStringsTravelsWithoutReferenceTracking() {
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            list.add(i % 3 == 0 ? (Object) i : i % 3 == 1 ? (Object) ("s" + i) : (Object) (i * 0.5));
        }
        byte[] bytes = codec.encode(list);
        assertThat(bytes[0]).isEqualTo(ObjectCodec.PLAIN);
        assertThat(codec.decode(bytes)).isEqualTo(list);
        assertThat(codec.encode(new ArrayList<>(List.of(new Payload(1))))[0]).isEqualTo(ObjectCodec.TRACKED);
    }

    @Test
    void aRecordWithA129MiBArrayTravels() {
        double[] values = new double[129 * 1024 * 1024 / 8];
        values[values.length - 1] = 7;
        Doubles back = (Doubles) roundTrip(new Doubles(values));
        assertThat(back.values()).hasSize(values.length);
        assertThat(back.values()[values.length - 1]).isEqualTo(7);
    }

    @Test
    void aValueOverTwoGiBIsRefusedAtTheSenderWithItsSize() {
        assumeTrue(Runtime.getRuntime().maxMemory() > (5L << 30), "needs a heap of 5 GiB");
        TwoArrays big = new TwoArrays(new byte[1_100_000_000], new byte[1_100_000_000]);
        assertThatThrownBy(() -> codec.encode(big))
                .isInstanceOf(JparException.class)
                .hasMessageContaining("encodes to more than")
                .hasMessageContaining("2 GiB")
                .hasMessageNotContaining("Serializable");
    }

    @Test
    void aClassTheReceiverCannotLoadIsAClearErrorNamingTheClassAndTheRank() {
        ObjectCodec elsewhere = new ObjectCodec(ClassLoader.getPlatformClassLoader(), "rank 3");
        byte[] bytes = codec.encode(new Payload(5));
        assertThatThrownBy(() -> elsewhere.decode(bytes))
                .isInstanceOf(JparException.class)
                .hasMessageContaining(Payload.class.getName())
                .hasMessageContaining("rank 3");
        byte[] nested = codec.encode(new ArrayList<>(List.of(new Payload(5))));
        assertThatThrownBy(() -> elsewhere.decode(nested))
                .isInstanceOf(JparException.class)
                .hasMessageContaining(Payload.class.getName())
                .hasMessageContaining("rank 3");
    }

    @Test
    void gadgetClassesAreRefusedBySenderAndReceiver() throws Exception {
        Object[] gadgets = {new java.rmi.server.ObjID(), new javax.naming.ldap.Rdn("cn=x"), signedObject()};
        for (Object g : gadgets) {
            assertThatThrownBy(() -> roundTrip(g)).as(g.getClass().getName())
                    .isInstanceOf(JparException.class)
                    .hasMessageContaining(g.getClass().getName());
            byte[] planted = javaFormat(g);
            assertThatThrownBy(() -> codec.decode(planted)).as(g.getClass().getName())
                    .isInstanceOf(JparException.class)
                    .hasMessageContaining("refused");
        }
        assertThat(ObjectCodec.refusedByFilter("java.security.SignedObject")).isTrue();
        assertThat(ObjectCodec.refusedByFilter("java.util.ArrayList")).isFalse();
    }

    @Test
    void theJavaSerializationFallbackStillDecodesOrdinaryValues() throws Exception {
        ArrayList<Integer> list = new ArrayList<>(List.of(1, 2, 3));
        assertThat(codec.decode(javaFormat(list))).isEqualTo(list);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(plain)) {
            o.writeObject(list);
        }
        assertThat(codec.decode(plain.toByteArray())).isEqualTo(list);
        ByteArrayOutputStream gadget = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(gadget)) {
            o.writeObject(new java.rmi.server.ObjID());
        }
        assertThatThrownBy(() -> codec.decode(gadget.toByteArray())).isInstanceOf(JparException.class)
                .hasMessageContaining("refused");
    }

    /** A class whose static initializer leaves a trace. */
    public static final class Poison implements Serializable {
        private static final long serialVersionUID = 1L;

        static {
            System.setProperty("jpar.test.poison", "ran");
        }
    }

    @Test
    void aTypedReceiveChecksTheClassBeforeRunningAnyOfItsCode() throws Exception {
        java.net.URL classes = ObjectCodecTest.class.getProtectionDomain().getCodeSource().getLocation();
        try (java.net.URLClassLoader sender = new java.net.URLClassLoader(new java.net.URL[] {classes},
                ObjectCodecTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(Poison.class.getName())) {
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> c = findLoadedClass(name);
                        return c != null ? c : findClass(name);
                    }
                }
                return super.loadClass(name, resolve);
            }
        }) {
            // the bytes as a sender would make them, without initializing Poison in this loader
            byte[] name = Poison.class.getName().getBytes(StandardCharsets.UTF_8);
            byte[] bytes = new byte[4 + name.length + 8];
            bytes[0] = ObjectCodec.TRACKED;
            bytes[2] = (byte) (name.length >> 8);
            bytes[3] = (byte) name.length;
            System.arraycopy(name, 0, bytes, 4, name.length);
            ObjectCodec receiver = new ObjectCodec(sender, "rank 1");
            Class<?> before = ObjectCodec.expect(String.class);
            try {
                assertThatThrownBy(() -> receiver.decode(bytes))
                        .isInstanceOf(ObjectCodec.WrongType.class)
                        .hasMessageContaining(Poison.class.getName());
            } finally {
                ObjectCodec.expect(before);
            }
            assertThat(System.getProperty("jpar.test.poison")).isNull();
        }
    }

    /** A class with custom JDK serialization (Fory logs a WARN line for such classes). */
    public static final class Custom implements Serializable {
        private static final long serialVersionUID = 1L;
        int x = 3;

        private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
            out.defaultWriteObject();
        }

        private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
            in.defaultReadObject();
        }
    }

    @Test
    void theCodecPrintsNothing() {
        java.io.PrintStream out = System.out;
        java.io.PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        java.io.PrintStream capture = new java.io.PrintStream(captured, true, StandardCharsets.UTF_8);
        try {
            System.setOut(capture);
            System.setErr(capture);
            ObjectCodec fresh = new ObjectCodec(ObjectCodecTest.class.getClassLoader());
            assertThat(((Custom) fresh.decode(fresh.encode(new Custom()))).x).isEqualTo(3);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void theAllowListAdmitsTheListedClassesAndTheJdkBaseSetOnly() {
        ObjectCodec.AllowList allow = ObjectCodec.AllowList.parse("com.example.*, org.acme.Rec");
        assertThat(allow.allows("com.example.sub.Thing")).isTrue();
        assertThat(allow.allows("org.acme.Rec")).isTrue();
        assertThat(allow.allows("java.util.ArrayList")).isTrue();
        assertThat(allow.allows("[Lcom.example.Thing;")).isTrue();
        assertThat(allow.allows("[D")).isTrue();
        assertThat(allow.allows("org.acme.Other")).isFalse();
        assertThat(allow.allows("javax.naming.ldap.Rdn")).isFalse();
        assertThat(ObjectCodec.AllowList.parse(null).allows("org.acme.Other")).isTrue();
    }

    @Test
    void notAMessageIsAClearError() {
        assertThatThrownBy(() -> codec.decode(new byte[] {1, 2, 3, 4, 5}))
                .isInstanceOf(JparException.class)
                .hasMessageContaining("not a jpar object message");
    }

    private static byte[] javaFormat(Object value) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] name = value.getClass().getName().getBytes(StandardCharsets.UTF_8);
        out.write(ObjectCodec.JAVA);
        out.write(0);
        out.write(name.length >> 8);
        out.write(name.length);
        out.write(name);
        try (ObjectOutputStream o = new ObjectOutputStream(out)) {
            o.writeObject(value);
        }
        return out.toByteArray();
    }

    private static java.security.SignedObject signedObject() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        java.security.KeyPair pair = g.generateKeyPair();
        return new java.security.SignedObject(new ArrayList<>(Arrays.asList(1, 2)), pair.getPrivate(),
                java.security.Signature.getInstance("SHA256withECDSA"));
    }
}
