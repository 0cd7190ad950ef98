package org.jpar.internal;

import org.jpar.JparException;

/** Copies and sizes of primitive arrays, the messages that never go through a serializer. */
public final class PrimitiveArrays {
    private PrimitiveArrays() {
    }

    /** @return true if {@code o} is a {@code byte[]}, {@code int[]}, ... (any primitive component type) */
    public static boolean isPrimitiveArray(Object o) {
        return o instanceof byte[] || o instanceof int[] || o instanceof double[] || o instanceof long[]
                || o instanceof float[] || o instanceof short[] || o instanceof char[] || o instanceof boolean[];
    }

    /** @return a copy of the primitive array {@code a} */
    public static Object copy(Object a) {
        if (a instanceof byte[] x) {
            return x.clone();
        } else if (a instanceof int[] x) {
            return x.clone();
        } else if (a instanceof double[] x) {
            return x.clone();
        } else if (a instanceof long[] x) {
            return x.clone();
        } else if (a instanceof float[] x) {
            return x.clone();
        } else if (a instanceof short[] x) {
            return x.clone();
        } else if (a instanceof char[] x) {
            return x.clone();
        } else if (a instanceof boolean[] x) {
            return x.clone();
        }
        throw new IllegalArgumentException("not a primitive array: " + a.getClass().getTypeName());
    }

    /** @return a new zeroed primitive array of the same type and length as {@code a} */
    public static Object newLike(Object a) {
        return java.lang.reflect.Array.newInstance(a.getClass().getComponentType(), java.lang.reflect.Array.getLength(a));
    }

    /** @return the size in bytes of one element of a primitive array of class {@code c} */
    public static int elementBytes(Class<?> c) {
        Class<?> t = c.getComponentType();
        if (t == byte.class || t == boolean.class) {
            return 1;
        } else if (t == short.class || t == char.class) {
            return 2;
        } else if (t == int.class || t == float.class) {
            return 4;
        }
        return 8;
    }

    /**
     * @param typeName a type name as {@link Class#getTypeName()} gives it
     * @return the size in bytes of one element if {@code typeName} names a primitive array type, else 0
     */
    public static int elementBytes(String typeName) {
        return switch (typeName == null ? "" : typeName) {
            case "byte[]", "boolean[]" -> 1;
            case "short[]", "char[]" -> 2;
            case "int[]", "float[]" -> 4;
            case "long[]", "double[]" -> 8;
            default -> 0;
        };
    }

    /** @return the payload size in bytes of the primitive array {@code a} */
    public static long bytes(Object a) {
        return (long) java.lang.reflect.Array.getLength(a) * elementBytes(a.getClass());
    }

    /** @return true if {@code message} can be copied into {@code buffer}: same type, not longer */
    public static boolean fits(Object message, Object buffer) {
        return message != null && message.getClass() == buffer.getClass()
                && java.lang.reflect.Array.getLength(message) <= java.lang.reflect.Array.getLength(buffer);
    }

    /** Copies all of {@code message} to the start of {@code buffer}; see {@link #fits}. */
    public static void copyInto(Object message, Object buffer) {
        System.arraycopy(message, 0, buffer, 0, java.lang.reflect.Array.getLength(message));
    }

    /**
     * The error every engine gives when a message does not fit a receive buffer, in the same words (the contract
     * asserts them).
     *
     * @param source   the receive's source (may be -1, any source)
     * @param tag      the receive's tag (may be -1, any tag)
     * @param buffer   the receiving buffer
     * @param sent     what was sent
     * @param fromRank who sent it
     * @param sentTag  with which tag
     */
    public static Mismatch mismatch(int source, int tag, Object buffer, Object sent, int fromRank, int sentTag) {
        return new Mismatch("receiveInto(source=" + (source < 0 ? "ANY_SOURCE" : source)
                + ", tag=" + (tag == -1 ? "ANY_TAG" : tag) + ") expected "
                + describe(buffer).replace(" of ", " of up to ")
                + " but rank " + fromRank + " sent " + describe(sent) + " with tag " + sentTag, sent);
    }

    /** A receive into a buffer that the message does not fit; carries what was sent (for collectives' errors). */
    public static final class Mismatch extends JparException {
        private static final long serialVersionUID = 1L;
        private final transient Object sent;

        Mismatch(String message, Object sent) {
            super(message);
            this.sent = sent;
        }

        /** @return the value the sender sent */
        public Object sent() {
            return sent;
        }
    }

    /** @return e.g. {@code int[] of 10 elements} */
    public static String describe(Object a) {
        if (a == null) {
            return "null";
        }
        if (isPrimitiveArray(a)) {
            return a.getClass().getTypeName() + " of " + java.lang.reflect.Array.getLength(a) + " elements";
        }
        return a.getClass().getTypeName();
    }
}
