package org.jpar;

import org.jpar.internal.PrimitiveArrays;

/**
 * A message's envelope, with the message itself when it was received: who sent it, with which tag, how large it is
 * and of which type. This is what {@code receive(source, tag, return_status=True)} gives in PyPar, {@code Status} in
 * MPI and mpi4py, and what {@link Communicator#probe(int, int)} returns (with a {@code null} value) before a message
 * is received.
 *
 * @param value  the message: the received object, the receiving buffer for buffer receives, {@code null} for probes
 *               and sends
 * @param source the rank that sent it (the actual one, also when receiving from {@link Par#ANY_SOURCE});
 *               {@link Par#PROC_NULL} for a receive from {@code PROC_NULL}
 * @param tag    the tag it was sent with (the actual one, also when receiving with {@link Par#ANY_TAG})
 * @param bytes  its size in bytes: the array's payload for primitive arrays, the encoded size for objects
 *               (-1 where an engine passed an immutable object by reference and did not encode it)
 * @param type   the Java type name of the message as {@link Class#getTypeName()} gives it ({@code "double[]"},
 *               {@code "java.lang.String"}), {@code "null"} for a null message, or {@code ""} where unknown
 * @param <T>    the type of the value
 */
public record Envelope<T>(T value, int source, int tag, long bytes, String type) {
    /**
     * An envelope whose type is that of {@code value}.
     *
     * @param value  the message
     * @param source the sending rank
     * @param tag    the tag
     * @param bytes  the size in bytes
     */
    public Envelope(T value, int source, int tag, long bytes) {
        this(value, source, tag, bytes, value == null ? "null" : TYPE_NAMES.get(value.getClass()));
    }

    /** {@link Class#getTypeName()} builds a new string for an array class on every call: kept once per class. */
    private static final ClassValue<String> TYPE_NAMES = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            return type.getTypeName();
        }
    };

    /**
     * @return the number of elements of a primitive-array message ({@code bytes} divided by the element size, as
     *         {@code MPI_Get_count} gives it), or -1 for any other message; use it to size a buffer for
     *         {@link Communicator#receiveInto} after a {@link Communicator#probe(int, int) probe}
     */
    public int count() {
        int element = PrimitiveArrays.elementBytes(type);
        return element <= 0 || bytes < 0 ? -1 : (int) (bytes / element);
    }
}
