package org.jpar.job;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;

import org.jpar.internal.ObjectCodec;

/**
 * How a task's exception travels back: Java-serialized (which keeps its class, message, stack trace and causes),
 * together with a {@link RemoteTaskException} standing in for it in case its class cannot be rebuilt on the master.
 * Also which errors kill a worker.
 */
final class Failures {
    private Failures() {
    }

    /** The exception and its stand-in, as travelling. */
    static final class Packed implements Serializable {
        private static final long serialVersionUID = 1L;
        final byte[] real;
        final RemoteTaskException standIn;

        Packed(byte[] real, RemoteTaskException standIn) {
            this.real = real;
            this.standIn = standIn;
        }
    }

    /**
     * @return true if {@code t} escaping a task means its worker is broken and must die (its jobs go to the other
     *         workers): {@link OutOfMemoryError}, {@link InternalError}, {@link UnknownError}, {@link ThreadDeath}.
     *         Any other throwable, {@link StackOverflowError} and {@link AssertionError} included, fails the job only.
     */
    @SuppressWarnings("removal")
    static boolean isFatal(Throwable t) {
        return t instanceof OutOfMemoryError || t instanceof InternalError || t instanceof UnknownError
                || t instanceof ThreadDeath;
    }

    /** Drops the frames below the task (jpar's worker loop, the rank's main), which say nothing about the failure. */
    static Throwable trim(Throwable t) {
        StackTraceElement[] st = t.getStackTrace();
        for (int i = 0; i < st.length; i++) {
            if (st[i].getClassName().startsWith("org.jpar.job.")) {
                t.setStackTrace(Arrays.copyOf(st, i + 1));
                break;
            }
        }
        return t;
    }

    /** @return {@code t} (trimmed) as bytes */
    static byte[] encode(Throwable t) {
        trim(t);
        byte[] real;
        try {
            real = javaSerialize(t);
        } catch (IOException | RuntimeException e) {
            real = null;
        }
        try {
            return javaSerialize(new Packed(real, new RemoteTaskException(t)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the stand-in for " + t, e);
        }
    }

    /** @return the exception {@code bytes} encode: the real one if it can be rebuilt here, else its stand-in */
    static Throwable decode(byte[] bytes, ObjectCodec codec) {
        Object o;
        try {
            o = codec.decode(bytes);
        } catch (RuntimeException e) {
            return new RemoteTaskException(e);
        }
        Packed p = (Packed) o;
        if (p.real != null) {
            try {
                Object t = codec.decode(p.real);
                if (t instanceof Throwable thrown) {
                    return thrown;
                }
            } catch (RuntimeException e) {
                // its class is not known here: the stand-in tells the same
            }
        }
        return p.standIn;
    }

    private static byte[] javaSerialize(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }
}
