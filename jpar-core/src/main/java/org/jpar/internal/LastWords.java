package org.jpar.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;

/**
 * What lets a failing rank still be named when the heap is full (an {@code OutOfMemoryError} leaves no room to
 * format a message): a memory reserve, given back when a job fails, and a line writer to standard error that
 * allocates nothing. {@link #arm()} when an engine starts, before any failure.
 */
public final class LastWords {
    private static final FileOutputStream ERR = new FileOutputStream(FileDescriptor.err);
    private static final byte[] LINE = new byte[2048];
    private static final String OOM_NAME = OutOfMemoryError.class.getName(); // Class caches its name from now on
    private static volatile byte[] reserve;
    private static int length;

    private LastWords() {
    }

    /** Sets the reserve aside (at most 4 MiB, 1/64 of the heap). Idempotent. */
    public static void arm() {
        if (reserve == null && OOM_NAME != null) {
            reserve = new byte[(int) Math.min(4L << 20, Runtime.getRuntime().maxMemory() / 64)];
        }
    }

    /** Gives the reserve back to the heap, for what a failing job still has to do (report, stop, exit). */
    public static void release() {
        reserve = null;
    }

    /** Writes {@code jpar: rank R of N failed: CAUSE} (the cause's class and message) without allocating. */
    public static synchronized void rankFailed(int rank, int size, Throwable cause) {
        length = 0;
        append("jpar: rank ");
        append(rank);
        append(" of ");
        append(size);
        append(" failed: ");
        append(cause.getClass().getName());
        String message = cause.getMessage();
        if (message != null) {
            append(": ");
            append(message);
        }
        flush();
    }

    /** Writes {@code line} and a newline to standard error without allocating (non-ASCII characters become '?'). */
    public static synchronized void println(String line) {
        length = 0;
        append(line);
        flush();
    }

    private static void append(String s) {
        for (int i = 0; i < s.length() && length < LINE.length - 1; i++) {
            char c = s.charAt(i);
            LINE[length++] = (byte) (c < 128 ? c : '?');
        }
    }

    private static void append(long n) {
        if (n < 0) {
            append("-");
            n = -n;
        }
        long div = 1;
        while (n / div >= 10) {
            div *= 10;
        }
        for (; div > 0 && length < LINE.length - 1; div /= 10) {
            LINE[length++] = (byte) ('0' + (n / div) % 10);
        }
    }

    private static void flush() {
        LINE[length++] = '\n';
        try {
            ERR.write(LINE, 0, length);
        } catch (IOException e) {
            // standard error is gone: nothing left to tell
        }
    }
}
