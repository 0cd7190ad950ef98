package org.jpar.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.jpar.Envelope;
import org.jpar.JparException;
import org.jpar.Request;

/**
 * jpar's message format on MPI: every jpar message is one {@code MPI_BYTE} message of a small header and the payload,
 * so the receiver learns the message's kind (which primitive array, a string, a boxed value, an encoded object or
 * null) from the message itself, not from a second message. Tags stay the user's own, so MPI's matching (a tag or
 * {@code ANY_TAG}, a source or {@code ANY_SOURCE}) and its ordering apply unchanged.
 *
 * <pre>
 * plain message (header + payload &lt;= {@link #MESSAGE} bytes):
 *   0: kind   1: flags = 0   2-3: 0   4-7: payload bytes (int)   8..: payload
 * chunked message (larger): a small head carries the first {@link #HEAD_PAYLOAD} payload bytes (eager in MPI),
 *   0: kind   1: flags = CHUNKED   2-3: head payload bytes / 8   4-7: sequence (tag of the rest)
 *   8-15: payload bytes (long)   16..: head payload
 * and the rest follows as one message on the engine's bulk communicator, tagged with the sequence number, typed
 * with the payload's element type ({@link #restType}), so it can go straight from the sender's array into the
 * receiver's (the Open MPI bindings' array path) or through off-heap buffers (the native engine).
 * </pre>
 *
 * Every receive lands in a buffer of {@link #MESSAGE} bytes, so a jpar message never overflows a receive (MPI
 * truncation is an error, and with Open MPI 4.1 a truncated large message corrupts memory). Primitive arrays are
 * copied, never serialized, in native byte order; payloads start 8-byte aligned. Strings travel as Latin-1 bytes
 * or UTF-16 chars, boxed primitives as their value, {@code ArrayList}s of {@code Integer}, {@code Long} or
 * {@code Double} as arrays; every other object is encoded with the {@link ObjectCodec}. Shared by the engines that
 * talk to an MPI library (Open MPI's Java bindings, the native engine).
 */
public final class MpiWire {
    public static final byte NULL = 0;
    public static final byte BYTES = 1;
    public static final byte SHORTS = 2;
    public static final byte INTS = 3;
    public static final byte LONGS = 4;
    public static final byte FLOATS = 5;
    public static final byte DOUBLES = 6;
    public static final byte CHARS = 7;
    public static final byte BOOLEANS = 8;
    public static final byte STRING_LATIN1 = 9;
    public static final byte STRING_UTF16 = 10;
    public static final byte INTEGER = 11;
    public static final byte LONG = 12;
    public static final byte DOUBLE = 13;
    public static final byte FLOAT = 14;
    public static final byte SHORT = 15;
    public static final byte BYTE = 16;
    public static final byte CHARACTER = 17;
    public static final byte BOOLEAN = 18;
    public static final byte OBJECT = 19;
    /** A {@code java.util.ArrayList} of non-null {@code Integer}s, as an int array. */
    public static final byte LIST_INTEGER = 20;
    /** A {@code java.util.ArrayList} of non-null {@code Long}s, as a long array. */
    public static final byte LIST_LONG = 21;
    /** A {@code java.util.ArrayList} of non-null {@code Double}s, as a double array. */
    public static final byte LIST_DOUBLE = 22;

    public static final byte CHUNKED = 1;
    /**
     * Header flag of a chunked message: its rest follows in a blocking send the sender stays inside until the rest is
     * delivered, so a receiver may take the rest straight into a heap array (the native engine's short critical call).
     */
    public static final byte BLOCKING_REST = 2;
    public static final int HEADER = 8;
    public static final int CHUNK_HEADER = 16;
    /**
     * The largest single message, and the size of every landing buffer: a 64 KiB payload still fits. Above it a
     * value travels as a head and a rest (on Open MPI's bindings straight between the arrays, which measured faster
     * for large payloads than copies through direct buffers).
     */
    public static final int MESSAGE = messageSize();
    /**
     * Payload bytes in the head of a chunked message: a multiple of 8 (arrays split on element boundaries), small
     * enough for the head to go eagerly (Open MPI's shared-memory eager limit is 4 KiB with its own header).
     */
    public static final int HEAD_PAYLOAD = 4000;
    /** The largest payload: a chunked message is staged in one direct buffer (at most 2^31-1 bytes). */
    public static final long MAX_PAYLOAD = Integer.MAX_VALUE - 64;

    public static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private static final Class<?>[] ARRAY_CLASSES = {null, byte[].class, short[].class, int[].class, long[].class,
        float[].class, double[].class, char[].class, boolean[].class};

    private MpiWire() {
    }

    /** {@code -Djpar.mpi.message=BYTES} (must be the same on every rank; for tuning): default 64 KiB + 64. */
    private static int messageSize() {
        return Settings.MPI_MESSAGE.getInt(64 * 1024 + 64) & ~7;
    }

    /** @return a direct buffer in native order */
    public static ByteBuffer direct(int capacity) {
        return ByteBuffer.allocateDirect(capacity).order(ORDER);
    }

    /** An outgoing message, prepared: its kind, what holds its payload (an array or a box) and its size. */
    public static final class Out {
        public byte kind;
        public Object data;
        public long bytes;

        /** @return true if header and payload fit in one message */
        public boolean plain() {
            return bytes <= MESSAGE - HEADER;
        }

        /** @return the size of the message (plain) or of head and rest together (chunked) */
        public long wireBytes() {
            return plain() ? HEADER + bytes : CHUNK_HEADER + bytes;
        }
    }

    /** Fills {@code out} for {@code message}: arrays as they are, strings as bytes, other objects encoded. */
    public static void prepare(Out out, Object message, ObjectCodec codec) {
        byte kind = kindOf(message);
        out.kind = kind;
        out.data = message;
        switch (kind) {
            case NULL:
                out.bytes = 0;
                break;
            case BYTES:
            case BOOLEANS:
                out.bytes = java.lang.reflect.Array.getLength(message);
                break;
            case SHORTS:
            case CHARS:
                out.bytes = 2L * java.lang.reflect.Array.getLength(message);
                break;
            case INTS:
            case FLOATS:
                out.bytes = 4L * java.lang.reflect.Array.getLength(message);
                break;
            case LONGS:
            case DOUBLES:
                out.bytes = 8L * java.lang.reflect.Array.getLength(message);
                break;
            case STRING_LATIN1: {
                String s = (String) message;
                if (isLatin1(s)) {
                    byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
                    out.data = b;
                    out.bytes = b.length;
                } else {
                    out.kind = STRING_UTF16;
                    char[] c = s.toCharArray();
                    out.data = c;
                    out.bytes = 2L * c.length;
                }
                break;
            }
            case INTEGER:
            case FLOAT:
                out.bytes = 4;
                break;
            case LONG:
            case DOUBLE:
                out.bytes = 8;
                break;
            case SHORT:
            case CHARACTER:
                out.bytes = 2;
                break;
            case BYTE:
            case BOOLEAN:
                out.bytes = 1;
                break;
            default: {
                byte listKind = listKind(message);
                if (listKind != OBJECT) {
                    out.kind = listKind;
                    out.bytes = (listKind == LIST_INTEGER ? 4L : 8L) * ((java.util.List<?>) message).size();
                    break;
                }
                byte[] b = codec.encode(message);
                out.data = b;
                out.bytes = b.length;
            }
        }
        if (out.bytes > MAX_PAYLOAD) {
            throw new JparException("cannot send a message of " + out.bytes + " bytes: at most " + MAX_PAYLOAD
                    + " bytes per message (MPI counts in int); split it");
        }
    }

    /** @return the kind of {@code message}; strings are reported as {@link #STRING_LATIN1} before {@link #prepare} */
    public static byte kindOf(Object message) {
        if (message == null) {
            return NULL;
        }
        Class<?> c = message.getClass();
        if (c == byte[].class) {
            return BYTES;
        } else if (c == String.class) {
            return STRING_LATIN1;
        } else if (c == int[].class) {
            return INTS;
        } else if (c == double[].class) {
            return DOUBLES;
        } else if (c == long[].class) {
            return LONGS;
        } else if (c == Integer.class) {
            return INTEGER;
        } else if (c == float[].class) {
            return FLOATS;
        } else if (c == short[].class) {
            return SHORTS;
        } else if (c == char[].class) {
            return CHARS;
        } else if (c == boolean[].class) {
            return BOOLEANS;
        } else if (c == Long.class) {
            return LONG;
        } else if (c == Double.class) {
            return DOUBLE;
        } else if (c == Float.class) {
            return FLOAT;
        } else if (c == Short.class) {
            return SHORT;
        } else if (c == Byte.class) {
            return BYTE;
        } else if (c == Character.class) {
            return CHARACTER;
        } else if (c == Boolean.class) {
            return BOOLEAN;
        }
        return OBJECT;
    }

    /** @return {@link #LIST_INTEGER} (or LONG, DOUBLE) for an ArrayList whose elements are all of that type */
    private static byte listKind(Object message) {
        if (message.getClass() != java.util.ArrayList.class) {
            return OBJECT;
        }
        java.util.ArrayList<?> list = (java.util.ArrayList<?>) message;
        int n = list.size();
        if (n == 0) {
            return OBJECT;
        }
        Class<?> first = list.get(0) == null ? null : list.get(0).getClass();
        if (first != Integer.class && first != Long.class && first != Double.class) {
            return OBJECT;
        }
        for (int i = 1; i < n; i++) {
            Object e = list.get(i);
            if (e == null || e.getClass() != first) {
                return OBJECT;
            }
        }
        return first == Integer.class ? LIST_INTEGER : first == Long.class ? LIST_LONG : LIST_DOUBLE;
    }

    /** @return the array kind of a primitive array class ({@code int[].class}: {@link #INTS}), or -1 */
    public static byte arrayKind(Class<?> c) {
        for (byte k = BYTES; k <= BOOLEANS; k++) {
            if (ARRAY_CLASSES[k] == c) {
                return k;
            }
        }
        return -1;
    }

    public static boolean isArray(byte kind) {
        return kind >= BYTES && kind <= BOOLEANS;
    }

    /** @return bytes per element of the payload of {@code kind} (1 for bytes, strings, encoded objects) */
    public static int elementBytes(byte kind) {
        switch (kind) {
            case SHORTS:
            case CHARS:
            case STRING_UTF16:
                return 2;
            case INTS:
            case FLOATS:
            case LIST_INTEGER:
                return 4;
            case LONGS:
            case DOUBLES:
            case LIST_LONG:
            case LIST_DOUBLE:
                return 8;
            default:
                return 1;
        }
    }

    /**
     * @return the Java element type of a payload, the type of a chunked message's rest on both sides, named as the
     *         {@code mpi.MPI} datatype of Open MPI's bindings: {@code BYTE}, {@code CHAR}, {@code SHORT},
     *         {@code BOOLEAN}, {@code INT}, {@code LONG}, {@code FLOAT}, {@code DOUBLE}
     */
    public static String restType(byte kind) {
        switch (kind) {
            case SHORTS:
                return "SHORT";
            case CHARS:
            case STRING_UTF16:
                return "CHAR";
            case INTS:
            case LIST_INTEGER:
                return "INT";
            case FLOATS:
                return "FLOAT";
            case LONGS:
            case LIST_LONG:
                return "LONG";
            case DOUBLES:
            case LIST_DOUBLE:
                return "DOUBLE";
            case BOOLEANS:
                return "BOOLEAN";
            default:
                return "BYTE";
        }
    }

    /**
     * @return a new array for the whole payload of a message of {@code kind} (arrays, strings, encoded objects),
     *         or null for kinds decoded element by element (lists)
     */
    public static Object newPayloadArray(byte kind, long bytes) {
        int n = (int) (bytes / elementBytes(kind));
        switch (kind) {
            case STRING_LATIN1:
            case OBJECT:
                return new byte[n];
            case STRING_UTF16:
                return new char[n];
            default:
                return isArray(kind) ? java.lang.reflect.Array.newInstance(ARRAY_CLASSES[kind].getComponentType(), n)
                        : null;
        }
    }

    /**
     * @return elements {@code [from, from + n)} of the primitive array {@code a} as a heap buffer for the bindings'
     *         array path, or null for {@code boolean[]} (which has no buffer type)
     */
    public static java.nio.Buffer heapSlice(Object a, int from, int n) {
        if (a instanceof byte[] x) {
            return ByteBuffer.wrap(x).slice(from, n);
        } else if (a instanceof int[] x) {
            return java.nio.IntBuffer.wrap(x).slice(from, n);
        } else if (a instanceof double[] x) {
            return java.nio.DoubleBuffer.wrap(x).slice(from, n);
        } else if (a instanceof long[] x) {
            return java.nio.LongBuffer.wrap(x).slice(from, n);
        } else if (a instanceof char[] x) {
            return java.nio.CharBuffer.wrap(x).slice(from, n);
        } else if (a instanceof float[] x) {
            return java.nio.FloatBuffer.wrap(x).slice(from, n);
        } else if (a instanceof short[] x) {
            return java.nio.ShortBuffer.wrap(x).slice(from, n);
        }
        return null;
    }

    private static boolean isLatin1(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (s.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }

    /** Writes a plain message's header. */
    public static void plainHeader(ByteBuffer b, byte kind, int payloadBytes) {
        b.putInt(0, 0);
        b.put(0, kind);
        b.putInt(4, payloadBytes);
    }

    /** Writes a chunked message's header; its head carries {@code headBytes} (a multiple of 8) of the payload. */
    public static void chunkHeader(ByteBuffer b, byte kind, int sequence, long payloadBytes, int headBytes) {
        chunkHeader(b, kind, sequence, payloadBytes, headBytes, false);
    }

    /**
     * Writes a chunked message's header, {@code blockingRest} if the rest follows in a blocking send ({@link
     * #BLOCKING_REST}).
     */
    public static void chunkHeader(ByteBuffer b, byte kind, int sequence, long payloadBytes, int headBytes,
                                   boolean blockingRest) {
        b.put(0, kind);
        b.put(1, blockingRest ? CHUNKED | BLOCKING_REST : CHUNKED);
        b.putShort(2, (short) (headBytes >> 3));
        b.putInt(4, sequence);
        b.putLong(8, payloadBytes);
    }

    /** Copies payload bytes {@code [from, from + len)} of {@code out} to {@code dst} at {@code at}. */
    public static void writePayload(ByteBuffer dst, int at, Out out, long from, int len) {
        Object d = out.data;
        switch (out.kind) {
            case NULL:
                return;
            case INTEGER:
                dst.putInt(at, (Integer) d);
                return;
            case LONG:
                dst.putLong(at, (Long) d);
                return;
            case DOUBLE:
                dst.putDouble(at, (Double) d);
                return;
            case FLOAT:
                dst.putFloat(at, (Float) d);
                return;
            case SHORT:
                dst.putShort(at, (Short) d);
                return;
            case CHARACTER:
                dst.putChar(at, (Character) d);
                return;
            case BYTE:
                dst.put(at, (Byte) d);
                return;
            case BOOLEAN:
                dst.put(at, (Boolean) d ? (byte) 1 : 0);
                return;
            case LIST_INTEGER: {
                java.util.List<?> list = (java.util.List<?>) d;
                for (int i = (int) (from >> 2), end = i + (len >> 2), p = at; i < end; i++, p += 4) {
                    dst.putInt(p, (Integer) list.get(i));
                }
                return;
            }
            case LIST_LONG: {
                java.util.List<?> list = (java.util.List<?>) d;
                for (int i = (int) (from >> 3), end = i + (len >> 3), p = at; i < end; i++, p += 8) {
                    dst.putLong(p, (Long) list.get(i));
                }
                return;
            }
            case LIST_DOUBLE: {
                java.util.List<?> list = (java.util.List<?>) d;
                for (int i = (int) (from >> 3), end = i + (len >> 3), p = at; i < end; i++, p += 8) {
                    dst.putDouble(p, (Double) list.get(i));
                }
                return;
            }
            default:
                copyIn(dst, at, d, from, len);
        }
    }

    /** Copies bytes {@code [from, from + len)} of the primitive array {@code a} (element aligned) to {@code dst}. */
    public static void copyIn(ByteBuffer dst, int at, Object a, long from, int len) {
        if (len == 0) {
            return;
        }
        if (a instanceof byte[] x) {
            dst.put(at, x, (int) from, len);
        } else if (a instanceof int[] x) {
            dst.slice(at, len).order(ORDER).asIntBuffer().put(x, (int) (from >> 2), len >> 2);
        } else if (a instanceof double[] x) {
            dst.slice(at, len).order(ORDER).asDoubleBuffer().put(x, (int) (from >> 3), len >> 3);
        } else if (a instanceof long[] x) {
            dst.slice(at, len).order(ORDER).asLongBuffer().put(x, (int) (from >> 3), len >> 3);
        } else if (a instanceof char[] x) {
            dst.slice(at, len).order(ORDER).asCharBuffer().put(x, (int) (from >> 1), len >> 1);
        } else if (a instanceof float[] x) {
            dst.slice(at, len).order(ORDER).asFloatBuffer().put(x, (int) (from >> 2), len >> 2);
        } else if (a instanceof short[] x) {
            dst.slice(at, len).order(ORDER).asShortBuffer().put(x, (int) (from >> 1), len >> 1);
        } else if (a instanceof boolean[] x) {
            int f = (int) from;
            for (int i = 0; i < len; i++) {
                dst.put(at + i, x[f + i] ? (byte) 1 : 0);
            }
        } else {
            throw new IllegalArgumentException("not a primitive array: " + a.getClass().getTypeName());
        }
    }

    /** Copies {@code len} bytes of {@code src} at {@code at} into the primitive array {@code a} from byte {@code to}. */
    public static void copyOut(ByteBuffer src, int at, Object a, long to, int len) {
        if (len == 0) {
            return;
        }
        if (a instanceof byte[] x) {
            src.get(at, x, (int) to, len);
        } else if (a instanceof int[] x) {
            src.slice(at, len).order(ORDER).asIntBuffer().get(x, (int) (to >> 2), len >> 2);
        } else if (a instanceof double[] x) {
            src.slice(at, len).order(ORDER).asDoubleBuffer().get(x, (int) (to >> 3), len >> 3);
        } else if (a instanceof long[] x) {
            src.slice(at, len).order(ORDER).asLongBuffer().get(x, (int) (to >> 3), len >> 3);
        } else if (a instanceof char[] x) {
            src.slice(at, len).order(ORDER).asCharBuffer().get(x, (int) (to >> 1), len >> 1);
        } else if (a instanceof float[] x) {
            src.slice(at, len).order(ORDER).asFloatBuffer().get(x, (int) (to >> 2), len >> 2);
        } else if (a instanceof short[] x) {
            src.slice(at, len).order(ORDER).asShortBuffer().get(x, (int) (to >> 1), len >> 1);
        } else if (a instanceof boolean[] x) {
            int t = (int) to;
            for (int i = 0; i < len; i++) {
                x[t + i] = src.get(at + i) != 0;
            }
        } else {
            throw new IllegalArgumentException("not a primitive array: " + a.getClass().getTypeName());
        }
    }

    /**
     * A received message: kind and size from its header, and its payload: in the head (plain messages), in the head
     * and a rest buffer, or assembled in one array ({@link #whole}, when the rest went straight into it).
     */
    public static final class In {
        public byte kind;
        public int source;
        public int tag;
        public long bytes;
        public ByteBuffer head;
        public int headAt;
        public int headLen;
        /** Payload bytes {@code [headLen, bytes)} at 0, or null. */
        public ByteBuffer rest;
        /** The whole payload as one primitive array (head bytes copied in, rest received in place), or null. */
        public Object whole;
        /** True if the rest follows in a blocking send ({@link #BLOCKING_REST}). */
        public boolean blockingRest;

        /**
         * Reads the header in {@code b}.
         *
         * @return the sequence number of the rest, or -1 for a plain message
         */
        public int readHeader(ByteBuffer b) {
            head = b;
            rest = null;
            whole = null;
            kind = b.get(0);
            byte flags = b.get(1);
            blockingRest = (flags & BLOCKING_REST) != 0;
            if ((flags & CHUNKED) == 0) {
                bytes = b.getInt(4);
                headAt = HEADER;
                headLen = (int) bytes;
                return -1;
            }
            bytes = b.getLong(8);
            headAt = CHUNK_HEADER;
            headLen = (b.getShort(2) & 0xFFFF) << 3;
            return b.getInt(4);
        }

        public int restLen() {
            return (int) (bytes - headLen);
        }

        /** @return the number of elements of the rest in its {@link #restType} */
        public int restElements() {
            return restLen() / elementBytes(kind);
        }

        /** @return the number of elements of the head's payload */
        public int headElements() {
            return headLen / elementBytes(kind);
        }

        /** Drops the references to buffers and arrays. */
        public void clear() {
            head = null;
            rest = null;
            whole = null;
        }

        /** Copies the whole payload into the primitive array {@code a}. */
        public void copyTo(Object a) {
            if (whole != null) {
                if (whole != a) {
                    System.arraycopy(whole, 0, a, 0, java.lang.reflect.Array.getLength(whole));
                }
                return;
            }
            copyOut(head, headAt, a, 0, headLen);
            if (rest != null) {
                copyOut(rest, 0, a, headLen, restLen());
            }
        }

        /** @return the value this message carries, decoded (a new array, string, box or object) */
        public Object value(ObjectCodec codec) {
            switch (kind) {
                case NULL:
                    return null;
                case STRING_LATIN1:
                    return new String((byte[]) payload(), StandardCharsets.ISO_8859_1);
                case STRING_UTF16:
                    return new String((char[]) payload());
                case INTEGER:
                    return head.getInt(headAt);
                case LONG:
                    return head.getLong(headAt);
                case DOUBLE:
                    return head.getDouble(headAt);
                case FLOAT:
                    return head.getFloat(headAt);
                case SHORT:
                    return head.getShort(headAt);
                case CHARACTER:
                    return head.getChar(headAt);
                case BYTE:
                    return head.get(headAt);
                case BOOLEAN:
                    return head.get(headAt) != 0;
                case OBJECT:
                    return codec.decode((byte[]) payload());
                case LIST_INTEGER:
                case LIST_LONG:
                case LIST_DOUBLE:
                    return list();
                default:
                    if (!isArray(kind)) {
                        throw new JparException("received a message of unknown kind " + kind + " (" + bytes
                                + " bytes) from rank " + source + ": is every rank running the same jpar version?");
                    }
                    return payload();
            }
        }

        /** @return the Java type of the message from its header (objects: the class name their encoding carries) */
        public String typeName() {
            switch (kind) {
                case NULL:
                    return "null";
                case STRING_LATIN1:
                case STRING_UTF16:
                    return "java.lang.String";
                case INTEGER:
                    return "java.lang.Integer";
                case LONG:
                    return "java.lang.Long";
                case DOUBLE:
                    return "java.lang.Double";
                case FLOAT:
                    return "java.lang.Float";
                case SHORT:
                    return "java.lang.Short";
                case BYTE:
                    return "java.lang.Byte";
                case CHARACTER:
                    return "java.lang.Character";
                case BOOLEAN:
                    return "java.lang.Boolean";
                case LIST_INTEGER:
                case LIST_LONG:
                case LIST_DOUBLE:
                    return "java.util.ArrayList";
                case OBJECT: {
                    byte[] start = new byte[Math.min(headLen, 4 + 0xFFFF)];
                    head.get(headAt, start);
                    try {
                        String name = ObjectCodec.className(start);
                        return name == null ? "" : name;
                    } catch (IndexOutOfBoundsException e) {
                        return ""; // a class name longer than the head: unknown until received
                    }
                }
                default: {
                    Object a = newPayloadArray(kind, 0);
                    return isArray(kind) && a != null ? a.getClass().getTypeName() : "";
                }
            }
        }

        /** @return the number of elements of an array message */
        public int elements() {
            return (int) (bytes / elementBytes(kind));
        }

        /**
         * @param buffer the receiver's buffer, or null for a new value
         * @return the array this chunked message's rest can be received straight into: {@code buffer} when the
         *         message fits it, a new payload array when there is no buffer, or null when the buffer does not fit
         *         (the receive then ends in the mismatch error, after the rest went to staging memory)
         */
        public Object restTarget(Object buffer) {
            if (buffer == null) {
                return newPayloadArray(kind, bytes);
            }
            return kind == arrayKind(buffer.getClass()) && elements() <= java.lang.reflect.Array.getLength(buffer)
                    ? buffer : null;
        }

        /** @return the payload as one new primitive array (or the assembled one) */
        private Object payload() {
            if (whole != null) {
                return whole;
            }
            Object a = newPayloadArray(kind, bytes);
            copyTo(a);
            return a;
        }

        private java.util.ArrayList<Object> list() {
            int n = elements();
            java.util.ArrayList<Object> list = new java.util.ArrayList<>(n);
            if (rest == null && kind == LIST_INTEGER) { // the common case, unrolled by hand
                for (int i = 0, p = headAt; i < n; i++, p += 4) {
                    list.add(head.getInt(p));
                }
                return list;
            }
            int inHead = Math.min(n, headElements());
            for (int i = 0; i < n; i++) {
                ByteBuffer b = i < inHead ? head : rest;
                int at = i < inHead ? headAt + i * elementBytes(kind) : (i - inHead) * elementBytes(kind);
                list.add(kind == LIST_INTEGER ? (Object) b.getInt(at) : kind == LIST_LONG ? (Object) b.getLong(at)
                        : (Object) b.getDouble(at));
            }
            return list;
        }
    }

    /** A receive that completed at once, e.g. from a head a probe kept (or its failure, thrown by await). */
    public record Received(Envelope<Object> envelope, RuntimeException failure) implements Request<Object> {
        @Override
        public Object await() {
            return awaitEnvelope().value();
        }

        @Override
        public Envelope<Object> awaitEnvelope() {
            if (failure != null) {
                throw failure;
            }
            return envelope;
        }

        @Override
        public boolean isDone() {
            return true;
        }
    }
}
