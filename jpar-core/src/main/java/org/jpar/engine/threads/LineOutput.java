package org.jpar.engine.threads;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * An output stream that writes whole lines only: each thread fills its own buffer, and a line goes to the real
 * stream in one write when its newline comes. Lines of different ranks therefore never mix mid-line.
 */
final class LineOutput extends OutputStream {
    private static final int MAX_PARTIAL = 64 * 1024;

    private final OutputStream out;
    private final ThreadLocal<Buffer> buffers = ThreadLocal.withInitial(Buffer::new);

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

    LineOutput(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Buffer buf = buffers.get();
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

    /** Writes whole lines only; a partial line waits for its newline or for {@link #flushThread()}. */
    @Override
    public void flush() throws IOException {
        synchronized (out) {
            out.flush();
        }
    }

    /** Writes the calling thread's partial line, if any (at the end of a rank). */
    void flushThread() {
        Buffer buf = buffers.get();
        try {
            if (buf.length > 0) {
                emit(buf);
            }
            flush();
        } catch (IOException e) {
            // the real stream is gone (closed pipe): nothing more can be written anyway
        }
        buffers.remove();
    }

    private void emit(Buffer buf) throws IOException {
        synchronized (out) {
            out.write(buf.bytes, 0, buf.length);
            out.flush();
        }
        buf.length = 0;
    }
}
