package org.jpar.spi;

import org.jpar.JparException;
import org.jpar.internal.ObjectCodec;

/**
 * jpar's object codec for a layer built on jpar (see {@link LayerChannel}): turns a value into bytes and back, with
 * the same format, checks and limits as object messages between ranks. A layer encodes what it sends itself when it
 * wants a value that cannot be encoded or decoded to fail that value alone (one job, say), not the message, and when
 * it decodes with a class loader of its own choosing.
 *
 * <p>Decoding is filtered: the value's class is checked (and must load through the codec's class loader) before any
 * of its code runs; Java-serialized values pass an {@link java.io.ObjectInputFilter} that refuses known gadget
 * classes; the {@code jpar.codec.allow} allow-list applies when set. Neither call blocks on other ranks. One codec
 * serves one caller at a time (calls are serialized); use one per thread for parallel work.
 */
public final class LayerCodec {
    private final ObjectCodec codec;

    /** @param loader where decoded values' classes are looked up (the receiving code's class loader) */
    public LayerCodec(ClassLoader loader) {
        this.codec = new ObjectCodec(loader);
    }

    /**
     * @return {@code value} as bytes
     * @throws JparException when the value cannot be encoded (a class the codec refuses, an encoding over about
     *                       2 GiB, nesting deeper than {@code jpar.codec.maxDepth})
     */
    public byte[] encode(Object value) {
        return codec.encode(value);
    }

    /**
     * @return the value {@code bytes} encode, its classes loaded through this codec's class loader
     * @throws JparException when the bytes are not a value this codec can decode here: a class that cannot be loaded
     *                       or that the filter refuses, corrupt bytes
     */
    public Object decode(byte[] bytes) {
        return codec.decode(bytes);
    }
}
