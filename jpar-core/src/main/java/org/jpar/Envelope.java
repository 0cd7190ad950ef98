package org.jpar;

/**
 * A received message with its envelope: who sent it, with which tag, how large it was. This is what
 * {@code receive(source, tag, return_status=True)} gives in PyPar and {@code Status} in MPI.
 *
 * @param value  the message: the received object, or the receiving buffer for buffer receives
 * @param source the rank that sent it (the actual one, also when receiving from {@link Par#ANY_SOURCE})
 * @param tag    the tag it was sent with (the actual one, also when receiving with {@link Par#ANY_TAG})
 * @param bytes  its size in bytes: the array's payload for primitive arrays, the encoded size for objects
 *               (-1 where an engine passed an immutable object by reference and did not encode it)
 * @param <T>    the type of the value
 */
public record Envelope<T>(T value, int source, int tag, long bytes) {
}
