package org.jpar.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;

import org.apache.fory.Fory;
import org.apache.fory.config.Language;
import org.jpar.JparException;

/**
 * Encodes any object to bytes and back, for one class loader (one rank's classes): Apache Fory first, Java
 * serialization for {@link Serializable} objects Fory cannot handle. Java serialization's stream magic
 * ({@code 0xACED}) tells the two formats apart; Fory's first byte is a small bit set and never {@code 0xAC}.
 * Thread-safe (one encoder at a time); the Fory instance is built on first use.
 *
 * <p>Class registration is off: messages come from the job's own ranks, which run the same trusted program.
 */
public final class ObjectCodec {
    private final ClassLoader loader;
    private Fory fory;

    /** @param loader where received classes are looked up (the receiving rank's class loader) */
    public ObjectCodec(ClassLoader loader) {
        this.loader = loader;
    }

    /** @return {@code value} as bytes */
    public synchronized byte[] encode(Object value) {
        try {
            return fory().serialize(value);
        } catch (RuntimeException | StackOverflowError foryFailure) {
            if (value instanceof Serializable) {
                return javaSerialize(value, foryFailure);
            }
            throw new JparException("cannot send a " + value.getClass().getTypeName() + ": the codec failed ("
                    + foryFailure + ") and the class is not java.io.Serializable", foryFailure);
        }
    }

    /** @return the object {@code bytes} encode, with its classes from this codec's loader */
    public synchronized Object decode(byte[] bytes) {
        if (bytes.length > 1 && bytes[0] == (byte) 0xAC && bytes[1] == (byte) 0xED) {
            return javaDeserialize(bytes);
        }
        try {
            return fory().deserialize(bytes);
        } catch (RuntimeException e) {
            throw new JparException("cannot decode a received message of " + bytes.length + " bytes: " + e, e);
        }
    }

    private Fory fory() {
        if (fory == null) {
            fory = Fory.builder()
                    .withLanguage(Language.JAVA)
                    .withClassLoader(loader)
                    .requireClassRegistration(false)
                    .suppressClassRegistrationWarnings(true)
                    .withRefTracking(true)
                    .build();
        }
        return fory;
    }

    private static byte[] javaSerialize(Object value, Throwable foryFailure) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            JparException ex = new JparException("cannot send a " + value.getClass().getTypeName()
                    + ": neither Fory nor Java serialization can encode it (" + e + ")", e);
            ex.addSuppressed(foryFailure);
            throw ex;
        }
        return bytes.toByteArray();
    }

    private Object javaDeserialize(byte[] bytes) {
        try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes), loader)) {
            return in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new JparException("cannot decode a received Java-serialized message of " + bytes.length
                    + " bytes: " + e, e);
        }
    }

    /** Resolves classes in a given loader, so a rank receives its own copy of a class. */
    private static final class LoaderObjectInputStream extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }
    }
}
