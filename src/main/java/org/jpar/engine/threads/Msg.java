package org.jpar.engine.threads;

/** A message in flight inside one JVM: its envelope and its payload in one of four forms. */
final class Msg {
    /** {@code data} is a private copy of a primitive array. */
    static final byte ARRAY = 0;
    /** {@code data} is a {@code byte[]} from the sender's codec, decoded by the receiver. */
    static final byte ENCODED = 1;
    /** {@code data} is an immutable JDK value (String, Integer, ...), shared by reference. */
    static final byte SHARED = 2;
    /** The sender already copied the array into the receiver's buffer. */
    static final byte DIRECT = 3;

    final int source;
    final int tag;
    final byte kind;
    final Object data;
    final long bytes;

    Msg(int source, int tag, byte kind, Object data, long bytes) {
        this.source = source;
        this.tag = tag;
        this.kind = kind;
        this.data = data;
        this.bytes = bytes;
    }

    boolean matches(int wantSource, int wantTag) {
        return (wantSource == ThreadsTransport.ANY_SOURCE || wantSource == source)
                && (wantTag == ThreadsTransport.ANY_TAG ? tag >= 0 : wantTag == tag);
    }
}
