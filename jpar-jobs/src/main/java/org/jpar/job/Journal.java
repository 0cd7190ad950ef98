package org.jpar.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32;

import org.jpar.JparException;

/**
 * The results of finished jobs, kept in a file so that a run that was stopped (a lost rank ends an MPI job) can be
 * completed by running the program again: a job whose task and arguments encode to the same bytes as a journaled one
 * takes its result from here instead of running.
 *
 * <p>Format: the 8 bytes {@code JPARJRN1}, then one record per result: payload length (int), CRC-32 of fingerprint
 * and payload (int), the 32-byte SHA-256 fingerprint of the encoded call, the encoded result. Each record is written
 * with one write as its result arrives (it survives the process being killed; not a power cut: no fsync). A torn or
 * damaged tail, from a run killed while writing, is dropped when the journal is opened. The file is locked while a
 * server uses it. Thread-safe.
 */
final class Journal implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Journal.class.getName());
    private static final byte[] MAGIC = "JPARJRN1".getBytes(StandardCharsets.US_ASCII);
    private static final int FP = 32;
    private static final int HEADER = 8 + FP;
    private static final int MAX_PAYLOAD = Integer.MAX_VALUE - HEADER;

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Map<ByteBuffer, byte[]> results = new HashMap<>();
    private final int kept;

    private Journal(Path file, FileChannel channel, FileLock lock) throws IOException {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.kept = load();
    }

    /**
     * Opens (or creates) {@code file} and reads the results it holds.
     *
     * @throws JparException if it cannot be opened, is not a journal, or another run uses it
     */
    static Journal open(Path file) {
        FileChannel ch = null;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new JparException("journal " + file + " is in use by another job server (it is locked): "
                        + "give each concurrent run its own journal");
            }
            return new Journal(file, ch, lock);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new JparException("cannot open journal " + file + ": " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** @return the SHA-256 of an encoded call: the key a result is kept under */
    static byte[] fingerprint(byte[] encodedCall) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(encodedCall);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** @return how many results the file held when it was opened */
    int kept() {
        return kept;
    }

    /** @return the file */
    Path file() {
        return file;
    }

    /** @return the encoded result kept for {@code fingerprint}, or null */
    synchronized byte[] lookup(byte[] fingerprint) {
        return results.get(ByteBuffer.wrap(fingerprint));
    }

    /** Appends a result (if none is kept for its fingerprint yet). */
    synchronized void append(byte[] fingerprint, byte[] value) {
        ByteBuffer key = ByteBuffer.wrap(fingerprint);
        if (results.containsKey(key) || !channel.isOpen()) {
            return;
        }
        if (value.length > MAX_PAYLOAD) {
            LOG.log(System.Logger.Level.WARNING, "journal " + file + ": a result of " + value.length
                    + " bytes is too large to keep; it will be computed again on a rerun");
            return;
        }
        ByteBuffer rec = ByteBuffer.allocate(HEADER + value.length);
        rec.putInt(value.length).putInt(crc(fingerprint, value)).put(fingerprint).put(value).flip();
        try {
            while (rec.hasRemaining()) {
                channel.write(rec);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "journal " + file + ": cannot write (" + e + "); results from now on"
                    + " are not kept, and a rerun will compute them again");
            closeQuietly(channel);
            return;
        }
        results.put(key, value);
    }

    @Override
    public synchronized void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } catch (IOException e) {
            // closing the channel releases it anyway
        }
        closeQuietly(channel);
    }

    /** Reads every complete record; drops a torn or damaged tail. @return the number of results read */
    private int load() throws IOException {
        long size = channel.size();
        if (size == 0) {
            channel.write(ByteBuffer.wrap(MAGIC), 0);
            channel.position(MAGIC.length);
            return 0;
        }
        ByteBuffer magic = ByteBuffer.allocate(MAGIC.length);
        readFully(magic, 0);
        if (magic.hasRemaining() || !Arrays.equals(magic.array(), MAGIC)) {
            throw new JparException("file " + file + " is not a jpar journal (it does not start with "
                    + new String(MAGIC, StandardCharsets.US_ASCII) + "): give another file, or delete this one");
        }
        long pos = MAGIC.length;
        int n = 0;
        ByteBuffer head = ByteBuffer.allocate(HEADER);
        while (pos + HEADER <= size) {
            head.clear();
            readFully(head, pos);
            head.flip();
            int len = head.getInt();
            int crc = head.getInt();
            byte[] fp = new byte[FP];
            head.get(fp);
            if (len < 0 || pos + HEADER + len > size) {
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(len);
            readFully(payload, pos + HEADER);
            if (crc(fp, payload.array()) != crc) {
                break;
            }
            results.putIfAbsent(ByteBuffer.wrap(fp), payload.array());
            n++;
            pos += HEADER + len;
        }
        if (pos < size) {
            LOG.log(System.Logger.Level.WARNING, "journal " + file + ": dropping " + (size - pos)
                    + " bytes at its end: an incomplete or damaged record (the run that wrote it was probably "
                    + "stopped while writing); the results it held will be computed again");
            channel.truncate(pos);
        }
        channel.position(pos);
        return n;
    }

    private void readFully(ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            if (channel.read(buf, pos + buf.position()) < 0) {
                return;
            }
        }
    }

    private static int crc(byte[] fingerprint, byte[] value) {
        CRC32 c = new CRC32();
        c.update(fingerprint);
        c.update(value);
        return (int) c.getValue();
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }
}
