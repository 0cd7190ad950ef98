package org.jpar.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jpar.JparException;

/**
 * The results of finished jobs, kept in a file so that a run that was stopped (a lost rank ends an MPI job) can be
 * completed by running the program again: a job whose task code ({@link TaskCode}) and encoded call (task and
 * arguments) are the same as a journaled one takes its result from here instead of running.
 *
 * <p>Format: the 8 bytes {@code JPARJRN2} and a 16-byte check of the key, then one record per result:
 * <pre>
 *   "JREC" | payload length (int) | CRC-32 (int) | fingerprint (32) | payload | HMAC-SHA256 (32)
 * </pre>
 * The fingerprint is the SHA-256 of the task's code identity and its encoded call; the payload is the result encoded
 * with Fory (a result that only Java serialization can encode is not kept). The CRC-32 and the HMAC cover length,
 * fingerprint and payload; the HMAC's key is 32 random bytes in {@code FILE.key}, made with the journal. A record
 * whose CRC fails is damaged, one whose CRC holds but whose HMAC fails was altered: either costs itself only, as
 * reading resumes at the next record (found by its marker and verified). A torn tail (a run killed while writing) is
 * cut off. Both files are created with mode 0600 and refused when another user owns them or others may write them
 * (POSIX file systems). Records reach the disk ({@link FileChannel#force}) at most {@link #SYNC_SECONDS} s after
 * they are written, and when the journal closes. The file is locked while a server uses it. Thread-safe.
 */
final class Journal implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Journal.class.getName());
    private static final byte[] MAGIC = "JPARJRN2".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MAGIC_V1 = "JPARJRN1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEY_CHECK_LABEL = "jpar journal key check".getBytes(StandardCharsets.US_ASCII);
    private static final int KEY_CHECK = 16;
    /** Bytes before the first record. */
    static final int FILE_HEADER = MAGIC.length + KEY_CHECK;
    /** A record's first four bytes. */
    static final int MARKER = 0x4A524543; // "JREC"
    static final int FP = 32;
    static final int MAC = 32;
    /** Bytes of a record before its payload: marker, length, CRC, fingerprint. */
    static final int HEADER = 4 + 4 + 4 + FP;
    private static final int MAX_PAYLOAD = Integer.MAX_VALUE - HEADER - MAC - 8;
    private static final int KEY = 32;
    /** Records written are forced to the disk at most this long after (and at close). */
    static final int SYNC_SECONDS = 1;
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Mac mac;
    private final Map<ByteBuffer, byte[]> results = new HashMap<>();
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final ScheduledExecutorService syncer;
    private final int kept;
    private boolean warnedJava;
    private boolean warnedSync;

    private Journal(Path file, FileChannel channel, FileLock lock, byte[] key, boolean fresh) throws IOException {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.mac = hmac(key);
        if (fresh) {
            channel.truncate(0);
            ByteBuffer head = ByteBuffer.allocate(FILE_HEADER).put(MAGIC).put(keyCheck(key)).flip();
            writeFully(head, 0);
            channel.position(FILE_HEADER);
            channel.force(true);
            this.kept = 0;
        } else {
            this.kept = load();
        }
        this.syncer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jpar-journal-sync");
            t.setDaemon(true);
            return t;
        });
        syncer.scheduleWithFixedDelay(this::sync, SYNC_SECONDS, SYNC_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Opens (or creates, mode 0600, with its key file {@code FILE.key}) {@code file} and reads the results it holds.
     *
     * @throws JparException if it cannot be opened, is not a journal of this jpar, is owned by another user or
     *                       writable by others, its key file is missing or does not match it, or another run uses it
     */
    static Journal open(Path file) {
        FileChannel ch = null;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            boolean created;
            try {
                ch = create(file);
                created = true;
                syncDirectory(parent);
            } catch (FileAlreadyExistsException e) {
                checkTrusted(file, "journal", false);
                ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                created = false;
            }
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
            Path keyFile = keyFile(file);
            if (created || ch.size() == 0) {
                return new Journal(file, ch, lock, newKey(keyFile), true);
            }
            checkMagic(file, ch);
            byte[] key = readKey(file, keyFile);
            ByteBuffer check = ByteBuffer.allocate(KEY_CHECK);
            readFully(ch, check, MAGIC.length);
            if (check.hasRemaining() || !MessageDigest.isEqual(check.array(), keyCheck(key))) {
                throw new JparException("journal " + file + " does not match its key file " + keyFile + " (the key "
                        + "is another journal's): its records cannot be authenticated; delete both files to start "
                        + "anew (their jobs will run again)");
            }
            return new Journal(file, ch, lock, key, false);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new JparException("cannot open journal " + file + ": " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** @return the file holding the journal's HMAC key: {@code FILE.key} beside it */
    static Path keyFile(Path journal) {
        return journal.resolveSibling(journal.getFileName() + ".key");
    }

    /**
     * @param code        the task's code identity ({@link TaskCode#identity})
     * @param encodedCall the task and its arguments, encoded
     * @return the key a result is kept under: the SHA-256 of both
     */
    static byte[] fingerprint(byte[] code, byte[] encodedCall) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(code);
            d.update(encodedCall);
            return d.digest();
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

    /**
     * Appends a result (if none is kept for its fingerprint yet). A Java-serialized value is not kept: the journal is
     * never decoded with Java serialization.
     */
    synchronized void append(byte[] fingerprint, byte[] value) {
        ByteBuffer key = ByteBuffer.wrap(fingerprint);
        if (results.containsKey(key) || !channel.isOpen()) {
            return;
        }
        if (isJavaSerialized(value)) {
            if (!warnedJava) {
                warnedJava = true;
                LOG.log(System.Logger.Level.WARNING, "journal " + file + ": a result that only Java serialization "
                        + "can encode is not kept (the journal never decodes Java serialization); such results will "
                        + "be computed again on a rerun");
            }
            return;
        }
        if (value.length > MAX_PAYLOAD) {
            LOG.log(System.Logger.Level.WARNING, "journal " + file + ": a result of " + value.length
                    + " bytes is too large to keep (the limit is " + MAX_PAYLOAD + "); it will be computed again on a "
                    + "rerun");
            return;
        }
        ByteBuffer rec = ByteBuffer.allocate(HEADER + value.length + MAC);
        rec.putInt(MARKER).putInt(value.length).putInt(crc(value.length, fingerprint, value)).put(fingerprint)
                .put(value).put(mac(value.length, fingerprint, value)).flip();
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
        dirty.set(true);
        results.put(key, value);
    }

    @Override
    public synchronized void close() {
        syncer.shutdownNow();
        sync();
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } catch (IOException e) {
            // closing the channel releases it anyway
        }
        closeQuietly(channel);
    }

    /** Forces what was written to the disk, if anything was. */
    private void sync() {
        if (!dirty.getAndSet(false)) {
            return;
        }
        try {
            channel.force(false);
        } catch (ClosedChannelException e) {
            // closed meanwhile (close syncs first)
        } catch (IOException e) {
            synchronized (this) {
                if (!warnedSync) {
                    warnedSync = true;
                    LOG.log(System.Logger.Level.WARNING, "journal " + file + ": cannot sync it to the disk (" + e
                            + "); the results kept survive this process ending, but maybe not a power cut");
                }
            }
        }
    }

    // ---------------------------------------------------------------- reading

    /** What one attempt to read a record at an offset found. */
    private record Read(String problem, long end, byte[] fp, byte[] payload, boolean wellFormed) {
    }

    /**
     * Reads every record. A record that is damaged or altered costs only itself: reading resumes at the next record
     * that verifies; a torn tail is cut off. @return the number of results read
     */
    private int load() throws IOException {
        long size = channel.size();
        long pos = FILE_HEADER;
        int n = 0;
        int index = 0;
        while (pos < size) {
            index++;
            Read r = read(pos, size);
            if (r.problem == null) {
                results.putIfAbsent(ByteBuffer.wrap(r.fp), r.payload);
                n++;
                pos = r.end;
                continue;
            }
            long next = nextRecord(pos + 1, size);
            if (r.wellFormed) {
                // its length held, but a record inside it (one that verifies) is not skipped over
                if (next < 0 || next >= r.end) {
                    warn(index, pos, r.problem + "; it is ignored and its job will run again");
                    pos = r.end;
                    continue;
                }
            } else if (next < 0) {
                LOG.log(System.Logger.Level.WARNING, "journal " + file + ": dropping its last " + (size - pos)
                        + " bytes, from byte offset " + pos + " (record " + index + "): " + r.problem + " (the run "
                        + "that wrote it was probably stopped while writing); its job will run again");
                channel.truncate(pos);
                size = pos;
                break;
            }
            warn(index, pos, r.problem + "; it is ignored and its job will run again; reading resumes at the next "
                    + "record, at byte offset " + next + " (" + (next - pos) + " bytes skipped)");
            pos = next;
        }
        channel.position(size);
        return n;
    }

    private void warn(int index, long pos, String what) {
        LOG.log(System.Logger.Level.WARNING, "journal " + file + ": record " + index + " at byte offset " + pos + " "
                + what);
    }

    /** @return the offset of the first record at or after {@code from} that verifies, or -1 */
    private long nextRecord(long from, long size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        long at = from;
        while (at + HEADER + MAC <= size) {
            buf.clear();
            readFully(channel, buf, at);
            buf.flip();
            int limit = buf.limit() - 3;
            for (int i = 0; i < limit; i++) {
                if (buf.getInt(i) == MARKER) {
                    Read r = read(at + i, size);
                    if (r.problem == null || r.wellFormed) {
                        return at + i;
                    }
                }
            }
            if (limit <= 0) {
                break;
            }
            at += limit;
        }
        return -1;
    }

    /** Reads and verifies the record at {@code pos}. */
    private Read read(long pos, long size) throws IOException {
        if (pos + HEADER + MAC > size) {
            return new Read("is incomplete (" + (size - pos) + " bytes)", size, null, null, false);
        }
        ByteBuffer head = ByteBuffer.allocate(HEADER);
        readFully(channel, head, pos);
        head.flip();
        if (head.getInt() != MARKER) {
            return new Read("is damaged (it does not start with the record marker)", -1, null, null, false);
        }
        int len = head.getInt();
        int crc = head.getInt();
        byte[] fp = new byte[FP];
        head.get(fp);
        if (len < 0 || len > MAX_PAYLOAD) {
            return new Read("is damaged (its length, " + len + ", is impossible)", -1, null, null, false);
        }
        long end = pos + HEADER + len + MAC;
        if (end > size) {
            return new Read("is incomplete or damaged (its length, " + len + " bytes, goes past the end of the file)",
                    -1, null, null, false);
        }
        ByteBuffer body = ByteBuffer.allocate(len + MAC);
        readFully(channel, body, pos + HEADER);
        byte[] payload = Arrays.copyOf(body.array(), len);
        byte[] tag = Arrays.copyOfRange(body.array(), len, len + MAC);
        if (crc(len, fp, payload) != crc) {
            return new Read("is damaged (its CRC-32 does not match)", end, null, null, false);
        }
        if (!MessageDigest.isEqual(tag, mac(len, fp, payload))) {
            return new Read("was altered (its CRC-32 matches but its HMAC does not: it was edited, or written with "
                    + "another journal's key)", end, null, null, true);
        }
        if (isJavaSerialized(payload)) {
            return new Read("holds a Java-serialized value, which a journal never decodes", end, null, null, true);
        }
        return new Read(null, end, fp, payload, true);
    }

    // ---------------------------------------------------------------- files and keys

    private static FileChannel create(Path file) throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        if (isPosix(file)) {
            FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
            return FileChannel.open(file, options, mode);
        }
        return FileChannel.open(file, options);
    }

    private static void checkMagic(Path file, FileChannel ch) throws IOException {
        ByteBuffer magic = ByteBuffer.allocate(MAGIC.length);
        readFully(ch, magic, 0);
        if (!magic.hasRemaining() && Arrays.equals(magic.array(), MAGIC_V1)) {
            throw new JparException("journal " + file + " was written by an older jpar (format JPARJRN1, whose "
                    + "records are not bound to the task's code and not authenticated): delete it (its jobs will "
                    + "run again)");
        }
        if (magic.hasRemaining() || !Arrays.equals(magic.array(), MAGIC) || ch.size() < FILE_HEADER) {
            throw new JparException("file " + file + " is not a jpar journal (it does not start with "
                    + new String(MAGIC, StandardCharsets.US_ASCII) + "): give another file, or delete this one");
        }
    }

    /** Makes a new random key in {@code keyFile} (mode 0600), replacing a key left by a deleted journal. */
    private static byte[] newKey(Path keyFile) throws IOException {
        byte[] key = new byte[KEY];
        new SecureRandom().nextBytes(key);
        if (Files.exists(keyFile)) {
            checkTrusted(keyFile, "journal key file", true);
            Files.delete(keyFile);
        }
        try (FileChannel ch = create(keyFile)) {
            writeFully(ch, ByteBuffer.wrap(key), 0);
            ch.force(true);
        }
        return key;
    }

    private static byte[] readKey(Path file, Path keyFile) throws IOException {
        try {
            checkTrusted(keyFile, "journal key file", true);
            byte[] key = Files.readAllBytes(keyFile);
            if (key.length != KEY) {
                throw new JparException("journal key file " + keyFile + " holds " + key.length + " bytes, not " + KEY
                        + ": it is damaged; delete it and journal " + file + " to start anew (their jobs will run "
                        + "again)");
            }
            return key;
        } catch (NoSuchFileException e) {
            throw new JparException("journal " + file + " has no key file (" + keyFile + " is missing), so its "
                    + "records cannot be authenticated: delete the journal to start anew (its jobs will run again)", e);
        }
    }

    /**
     * Refuses a file another user owns, or that others may write (or, if {@code ownerOnly}, access at all): whoever
     * can write a journal can plant results.
     */
    private static void checkTrusted(Path file, String what, boolean ownerOnly) throws IOException {
        if (!isPosix(file)) {
            return;
        }
        PosixFileAttributes attrs = Files.readAttributes(file, PosixFileAttributes.class);
        UserPrincipal me = currentUser(file);
        if (me != null && !attrs.owner().equals(me)) {
            throw new JparException(what + " " + file + " is owned by " + attrs.owner().getName() + ", not by "
                    + me.getName() + " who runs this job: another user could have written its results; use a "
                    + what.replace("journal key file", "journal") + " of your own (a new path)");
        }
        Set<PosixFilePermission> p = attrs.permissions();
        boolean open = ownerOnly ? !OWNER_ONLY.containsAll(p)
                : p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE);
        if (open) {
            throw new JparException(what + " " + file + " has mode " + PosixFilePermissions.toString(p) + ": "
                    + (ownerOnly ? "others may read or write it, and whoever can read it can forge records"
                            : "others may write it, and whoever can write it can plant results")
                    + "; make it rw------- (chmod 600 " + file + ") if you trust its contents, or use a new journal");
        }
    }

    /** @return the user this process runs as (the owner of files it creates), or null if it cannot be told */
    private static UserPrincipal currentUser(Path near) {
        try {
            return near.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(System.getProperty("user.name"));
        } catch (IOException | RuntimeException e) {
            Path dir = near.toAbsolutePath().getParent();
            try {
                Path probe = Files.createTempFile(dir, ".jpar-owner", ".tmp");
                try {
                    return Files.getOwner(probe);
                } finally {
                    Files.deleteIfExists(probe);
                }
            } catch (IOException again) {
                return null;
            }
        }
    }

    private static boolean isPosix(Path file) {
        return Files.getFileAttributeView(file.toAbsolutePath(), PosixFileAttributeView.class) != null;
    }

    /** Syncs a directory, so that a new file's entry in it survives a power cut (where the platform allows). */
    private static void syncDirectory(Path dir) {
        if (dir == null) {
            return;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException e) {
            // not every platform can open a directory; the file's own data is synced all the same
        }
    }

    private static byte[] keyCheck(byte[] key) {
        return Arrays.copyOf(hmac(key).doFinal(KEY_CHECK_LABEL), KEY_CHECK);
    }

    private static Mac hmac(byte[] key) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private synchronized byte[] mac(int len, byte[] fingerprint, byte[] value) {
        mac.update(ByteBuffer.allocate(4).putInt(len).array());
        mac.update(fingerprint);
        mac.update(value);
        return mac.doFinal();
    }

    private static int crc(int len, byte[] fingerprint, byte[] value) {
        CRC32 c = new CRC32();
        c.update(ByteBuffer.allocate(4).putInt(len).array());
        c.update(fingerprint);
        c.update(value);
        return (int) c.getValue();
    }

    static boolean isJavaSerialized(byte[] value) {
        return value.length > 1 && value[0] == (byte) 0xAC && value[1] == (byte) 0xED;
    }

    private void writeFully(ByteBuffer buf, long pos) throws IOException {
        writeFully(channel, buf, pos);
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf, pos + buf.position());
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, pos + buf.position()) < 0) {
                return;
            }
        }
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
