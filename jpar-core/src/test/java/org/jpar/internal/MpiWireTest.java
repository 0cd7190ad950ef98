package org.jpar.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jpar.JparException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The message format, without MPI: what one rank writes, another reads back equal, plain and chunked. */
class MpiWireTest {
    private final ObjectCodec codec = new ObjectCodec(MpiWireTest.class.getClassLoader());

    static List<Object> values() {
        List<Object> v = new ArrayList<>(List.of(
                new byte[] {1, -2, 3}, new short[] {-1, 300}, new int[] {7, 70000, -5}, new long[] {1L << 40, -1},
                new float[] {1.5f, -0f}, new double[] {Math.PI, Double.NaN}, new char[] {'a', 'é', '日'},
                new boolean[] {true, false, true}, new int[0],
                "", "Hello, jpar! 123", "héllo wörld", "日本 ✓", "\ud800 lone surrogate",
                42, -7L, 2.5, 1.25f, (short) -3, (byte) 9, 'x', true, false,
                List.of(1, 2, 3), Map.of("k", "v"), new StringBuilder("sb"),
                new ArrayList<>(List.of(1, -2, 300_000)), new ArrayList<>(List.of(1L << 40, 2L)),
                new ArrayList<>(List.of(0.5, -1.0)), new ArrayList<>(List.of(1, 2L)), new ArrayList<>()));
        v.add(null);
        List<Integer> withNull = new ArrayList<>(List.of(1, 2));
        withNull.add(null);
        v.add(withNull);
        return v;
    }

    @ParameterizedTest
    @MethodSource("values")
    void plainMessagesRoundTrip(Object value) {
        Object back = roundTrip(value, MpiWire.HEAD_PAYLOAD);
        assertEqual(back, value);
    }

    @Test
    void largeValuesAreChunkedAndRoundTrip() {
        double[] big = new double[300_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = i * 0.5;
        }
        char[] chars = new char[100_000];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = (char) ('a' + i % 26);
        }
        StringBuilder latin = new StringBuilder();
        StringBuilder utf16 = new StringBuilder();
        for (int i = 0; i < 70_000; i++) {
            latin.append((char) ('A' + i % 26));
            utf16.append(i % 2 == 0 ? 'x' : '✓');
        }
        List<Integer> list = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            list.add(i);
        }
        for (Object v : new Object[] {big, chars, new boolean[70_000], latin.toString(), utf16.toString(), list}) {
            MpiWire.Out o = new MpiWire.Out();
            MpiWire.prepare(o, v, codec);
            assertThat(o.plain()).as(v.getClass().getTypeName()).isFalse();
            assertEqual(roundTrip(v, MpiWire.HEAD_PAYLOAD), v);
            assertEqual(roundTrip(v, 0), v); // a broadcast's header alone, then all the payload
        }
    }

    @Test
    void headerSaysKindAndSize() {
        MpiWire.Out o = new MpiWire.Out();
        MpiWire.prepare(o, new int[] {1, 2, 3}, codec);
        assertThat(o.kind).isEqualTo(MpiWire.INTS);
        assertThat(o.bytes).isEqualTo(12);
        MpiWire.prepare(o, "abc", codec);
        assertThat(o.kind).isEqualTo(MpiWire.STRING_LATIN1);
        MpiWire.prepare(o, "ab✓", codec);
        assertThat(o.kind).isEqualTo(MpiWire.STRING_UTF16);
        assertThat(o.bytes).isEqualTo(6);
        MpiWire.prepare(o, List.of(1), codec);
        assertThat(o.kind).isEqualTo(MpiWire.OBJECT);
        MpiWire.prepare(o, new ArrayList<>(List.of(1, 2)), codec);
        assertThat(o.kind).isEqualTo(MpiWire.LIST_INTEGER);
        assertThat(o.bytes).isEqualTo(8);
        MpiWire.prepare(o, new ArrayList<>(List.of(1, 2L)), codec);
        assertThat(o.kind).isEqualTo(MpiWire.OBJECT);
        assertThat(MpiWire.arrayKind(long[].class)).isEqualTo(MpiWire.LONGS);
        assertThat(MpiWire.arrayKind(String.class)).isEqualTo((byte) -1);
    }

    @Test
    void anUnknownKindIsAClearError() {
        ByteBuffer b = MpiWire.direct(MpiWire.MESSAGE);
        MpiWire.plainHeader(b, (byte) 99, 0);
        MpiWire.In in = new MpiWire.In();
        in.readHeader(b);
        in.source = 3;
        assertThatThrownBy(() -> in.value(codec)).isInstanceOf(JparException.class)
                .hasMessage("received a message of unknown kind 99 (0 bytes) from rank 3: is every rank running the "
                        + "same jpar version?");
    }

    /** The blocking-rest flag travels in the chunk header and changes nothing else a receiver reads. */
    @Test
    void theBlockingRestFlagIsReadBackAndLeavesTheRestAlone() {
        for (boolean blocking : new boolean[] {false, true}) {
            ByteBuffer b = MpiWire.direct(MpiWire.MESSAGE);
            MpiWire.chunkHeader(b, MpiWire.DOUBLES, 12345, 800_000, MpiWire.HEAD_PAYLOAD, blocking);
            MpiWire.In in = new MpiWire.In();
            assertThat(in.readHeader(b)).isEqualTo(12345);
            assertThat(in.blockingRest).isEqualTo(blocking);
            assertThat(in.kind).isEqualTo(MpiWire.DOUBLES);
            assertThat(in.bytes).isEqualTo(800_000);
            assertThat(in.headLen).isEqualTo(MpiWire.HEAD_PAYLOAD);
            assertThat(in.restElements()).isEqualTo((800_000 - MpiWire.HEAD_PAYLOAD) / 8);
        }
        ByteBuffer plain = MpiWire.direct(MpiWire.MESSAGE);
        MpiWire.plainHeader(plain, MpiWire.INTS, 16);
        MpiWire.In in = new MpiWire.In();
        assertThat(in.readHeader(plain)).isEqualTo(-1);
        assertThat(in.blockingRest).isFalse();
    }

    /**
     * Writes {@code value} as a sender would (one message, or a head with {@code headBytes} of the payload and the
     * rest) and reads it back.
     */
    private Object roundTrip(Object value, int headBytes) {
        MpiWire.Out o = new MpiWire.Out();
        MpiWire.prepare(o, value, codec);
        ByteBuffer head = MpiWire.direct(MpiWire.MESSAGE);
        MpiWire.In in = new MpiWire.In();
        if (o.plain()) {
            MpiWire.plainHeader(head, o.kind, (int) o.bytes);
            MpiWire.writePayload(head, MpiWire.HEADER, o, 0, (int) o.bytes);
            assertThat(in.readHeader(head)).isEqualTo(-1);
        } else {
            ByteBuffer all = MpiWire.direct((int) (MpiWire.CHUNK_HEADER + o.bytes));
            MpiWire.chunkHeader(all, o.kind, 77, o.bytes, headBytes);
            MpiWire.writePayload(all, MpiWire.CHUNK_HEADER, o, 0, (int) o.bytes);
            int messageBytes = MpiWire.CHUNK_HEADER + headBytes;
            head.put(0, all, 0, messageBytes);
            assertThat(in.readHeader(head)).isEqualTo(77);
            assertThat(in.headLen).isEqualTo(headBytes);
            ByteBuffer rest = MpiWire.direct(in.restLen());
            rest.put(0, all, messageBytes, in.restLen());
            in.rest = rest;
        }
        assertThat(in.bytes).isEqualTo(o.bytes);
        if (MpiWire.isArray(in.kind)) {
            Object into = java.lang.reflect.Array.newInstance(value.getClass().getComponentType(),
                    java.lang.reflect.Array.getLength(value) + 2);
            in.copyTo(into);
        }
        return in.value(codec);
    }

    private static void assertEqual(Object back, Object value) {
        if (value instanceof ArrayList<?>) {
            assertThat(back).isInstanceOf(ArrayList.class).isEqualTo(value);
        } else if (value instanceof StringBuilder sb) {
            assertThat(back).isInstanceOf(StringBuilder.class).hasToString(sb.toString());
        } else {
            assertThat(back).isEqualTo(value);
        }
    }
}
