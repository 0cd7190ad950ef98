package org.jpar.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * An output stream that writes whole lines only: each thread fills its own buffer, and a line goes to the real
 * stream in one write when its newline comes. Lines of different ranks (threads engine) or of different threads
 * and processes (a rank's process under mpirun, whose output pipes mpirun merges) therefore never mix mid-line, and
 * each thread's lines keep their order. A line longer than 64 KiB goes out in pieces.
 *
 * <p>Internal: public for the engines; not part of jpar's API.
 */
public final class LineOutput extends OutputStream {
    private static final int MAX_PARTIAL = 64 * 1024;
    private static final Object INSTALL_LOCK = new Object();
    private static LineOutput[] installed;

    private final OutputStream out;
    private final Set<Buffer> all = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private final ThreadLocal<Buffer> buffers = ThreadLocal.withInitial(() -> {
        Buffer b = new Buffer();
        all.add(b);
        return b;
    });

    private static final class Buffer {
        byte[] bytes = new byte[128];
        int length;

        void append(byte[] b, int off, int len) {
            if (length + len > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + len));
            }
            System.arraycopy(b, off, bytes, length, len);
            length += len;
        }
    }

    /** @param out where whole lines go */
    public LineOutput(OutputStream out) {
        this.out = out;
    }

    /**
     * Makes {@code System.out} and {@code System.err} of this process line-atomic, once (later calls do nothing);
     * partial lines are written at exit (see {@link #flushProcess()}).
     */
    public static void installForProcess() {
        synchronized (INSTALL_LOCK) {
            if (installed != null) {
                return;
            }
            LineOutput out = new LineOutput(new FileOutputStream(FileDescriptor.out));
            LineOutput err = new LineOutput(new FileOutputStream(FileDescriptor.err));
            Charset cs = Charset.defaultCharset();
            System.setOut(new PrintStream(out, true, cs));
            System.setErr(new PrintStream(err, true, cs));
            installed = new LineOutput[] {out, err};
            Runtime.getRuntime().addShutdownHook(new Thread(LineOutput::flushProcess, "jpar-flush-output"));
        }
    }

    /** Writes every thread's partial line of the streams {@link #installForProcess()} installed (before a halt). */
    public static void flushProcess() {
        LineOutput[] streams;
        synchronized (INSTALL_LOCK) {
            streams = installed;
        }
        if (streams != null) {
            for (LineOutput s : streams) {
                s.flushAll();
            }
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Buffer buf = buffers.get();
        synchronized (buf) {
            int start = off;
            int end = off + len;
            for (int i = off; i < end; i++) {
                if (b[i] == '\n') {
                    buf.append(b, start, i + 1 - start);
                    emit(buf);
                    start = i + 1;
                }
            }
            if (start < end) {
                buf.append(b, start, end - start);
                if (buf.length > MAX_PARTIAL) {
                    emit(buf);
                }
            }
        }
    }

    /** Writes whole lines only; a partial line waits for its newline or for {@link #flushThread()}. */
    @Override
    public void flush() throws IOException {
        synchronized (out) {
            out.flush();
        }
    }

    /** Writes the calling thread's partial line, if any (at the end of a rank). */
    public void flushThread() {
        Buffer buf = buffers.get();
        try {
            synchronized (buf) {
                if (buf.length > 0) {
                    emit(buf);
                }
            }
            flush();
        } catch (IOException e) {
            // the real stream is gone (closed pipe): nothing more can be written anyway
        }
        all.remove(buf);
        buffers.remove();
    }

    /** Writes every thread's partial line (at the end of the process). */
    public void flushAll() {
        List<Buffer> each;
        synchronized (all) {
            each = new ArrayList<>(all);
        }
        try {
            for (Buffer buf : each) {
                synchronized (buf) {
                    if (buf.length > 0) {
                        emit(buf);
                    }
                }
            }
            flush();
        } catch (IOException e) {
            // the real stream is gone (closed pipe): nothing more can be written anyway
        }
    }

    private void emit(Buffer buf) throws IOException {
        synchronized (out) {
            out.write(buf.bytes, 0, buf.length);
            out.flush();
        }
        buf.length = 0;
    }
}
