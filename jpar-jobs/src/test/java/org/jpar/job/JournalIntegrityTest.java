package org.jpar.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.CRC32;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.jpar.JparException;
import org.jpar.internal.ObjectCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal never returns a result it did not compute for this very job: a changed task, an edited or planted
 * record, a damaged record, a file others could write; and what it gives is counted.
 */
@Timeout(120)
class JournalIntegrityTest {
    private static final Map<Integer, AtomicInteger> RUNS = new ConcurrentHashMap<>();
    private static volatile boolean gadgetRan;

    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (warnings) {
                warnings.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void reset() {
        RUNS.clear();
        gadgetRan = false;
        Logger.getLogger(Journal.class.getName()).addHandler(capture);
    }

    @AfterEach
    void stopCapture() {
        Logger.getLogger(Journal.class.getName()).removeHandler(capture);
    }

    static int tripled(int x) {
        RUNS.computeIfAbsent(x, k -> new AtomicInteger()).incrementAndGet();
        return 3 * x;
    }

    private static int runs(int x) {
        AtomicInteger n = RUNS.get(x);
        return n == null ? 0 : n.get();
    }

    private static List<Integer> upTo(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }

    private static List<Integer> tripledUpTo(int n) {
        return IntStream.range(0, n).map(x -> 3 * x).boxed().collect(Collectors.toList());
    }

    private void journalTripled(Path journal, int n) {
        try (Pool pool = Pool.local(1, JobSettings.defaults().journal(journal))) {
            assertThat(pool.map(JournalIntegrityTest::tripled, upTo(n))).isEqualTo(tripledUpTo(n));
        }
    }

    private List<String> warnings() {
        synchronized (warnings) {
            return new ArrayList<>(warnings);
        }
    }

    // ---------------------------------------------------------------- the task's code

    /** Compiles {@code source} (class {@code jparfixture.NAME}) into its own directory; @return a loader of it */
    private URLClassLoader compile(String version, String name, String source) throws Exception {
        Path src = dir.resolve(version + "-src/jparfixture/" + name + ".java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Path out = Files.createDirectories(dir.resolve(version + "-classes"));
        String cp = Path.of(Task.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac.run(null, null, null, "-nowarn", "-classpath", cp, "-d", out.toString(), src.toString()))
                .as("javac " + src).isZero();
        return new URLClassLoader(new URL[] {out.toUri().toURL()}, JournalIntegrityTest.class.getClassLoader());
    }

    @SuppressWarnings("unchecked")
    private static Task<Integer, Integer> lambdaTask(ClassLoader loader) throws Exception {
        return (Task<Integer, Integer>) loader.loadClass("jparfixture.Power").getMethod("task").invoke(null);
    }

    @SuppressWarnings("unchecked")
    private static Task<Integer, Integer> classTask(ClassLoader loader) throws Exception {
        return (Task<Integer, Integer>) loader.loadClass("jparfixture.PowerTask").getConstructor().newInstance();
    }

    private static String lambdaSource(String body) {
        return "package jparfixture;\n"
                + "public final class Power {\n"
                + "    public static org.jpar.job.Task<Integer, Integer> task() { return x -> " + body + "; }\n"
                + "}\n";
    }

    private static String classSource(String body) {
        return "package jparfixture;\n"
                + "public final class PowerTask implements org.jpar.job.Task<Integer, Integer> {\n"
                + "    private static final long serialVersionUID = 1L;\n"
                + "    public Integer apply(Integer x) { return " + body + "; }\n"
                + "}\n";
    }

    private static List<Job<Integer>> submitAll(JobServer server, Task<Integer, Integer> task) {
        List<Job<Integer>> jobs = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            jobs.add(server.submit(task, i));
        }
        server.await();
        return jobs;
    }

    @Test
    void aChangedLambdaNeverReusesResultsItDidNotCompute() throws Exception {
        Path journal = dir.resolve("j");
        try (URLClassLoader squaring = compile("v1", "Power", lambdaSource("x * x"));
                URLClassLoader cubing = compile("v2", "Power", lambdaSource("x * x * x"))) {
            try (JobServer server = JobServer.local(1, JobSettings.defaults().journal(journal))) {
                assertThat(submitAll(server, lambdaTask(squaring))).extracting(Job::get).containsExactly(1, 4, 9, 16);
            }
            try (JobServer server = JobServer.local(1, JobSettings.defaults().journal(journal))) {
                List<Job<Integer>> jobs = submitAll(server, lambdaTask(cubing));
                assertThat(jobs).extracting(Job::get).containsExactly(1, 8, 27, 64);
                assertThat(jobs).extracting(Job::worker).containsOnly("thread 1");
            }
            // the same code again still finds its own results
            try (URLClassLoader squaringAgain = compile("v3", "Power", lambdaSource("x * x"));
                    JobServer server = JobServer.local(1, JobSettings.defaults().journal(journal))) {
                List<Job<Integer>> jobs = submitAll(server, lambdaTask(squaringAgain));
                assertThat(jobs).extracting(Job::get).containsExactly(1, 4, 9, 16);
                assertThat(jobs).extracting(Job::worker).containsOnly("journal");
            }
        }
    }

    @Test
    void aChangedTaskClassNeverReusesResultsItDidNotCompute() throws Exception {
        Path journal = dir.resolve("j");
        try (URLClassLoader squaring = compile("v1", "PowerTask", classSource("x * x"));
                URLClassLoader cubing = compile("v2", "PowerTask", classSource("x * x * x"))) {
            try (JobServer server = JobServer.local(1, JobSettings.defaults().journal(journal))) {
                assertThat(submitAll(server, classTask(squaring))).extracting(Job::get).containsExactly(1, 4, 9, 16);
            }
            try (JobServer server = JobServer.local(1, JobSettings.defaults().journal(journal))) {
                List<Job<Integer>> jobs = submitAll(server, classTask(cubing));
                assertThat(jobs).extracting(Job::get).containsExactly(1, 8, 27, 64);
                assertThat(jobs).extracting(Job::worker).containsOnly("thread 1");
            }
        }
    }

    // ---------------------------------------------------------------- records

    /** One record as the file holds it. */
    private record Rec(int offset, int length, byte[] fp, byte[] payload) {
        int end() {
            return offset + Journal.HEADER + length + Journal.MAC;
        }
    }

    private static List<Rec> records(byte[] file) {
        List<Rec> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(file);
        int pos = Journal.FILE_HEADER;
        while (pos < file.length) {
            assertThat(b.getInt(pos)).isEqualTo(Journal.MARKER);
            int len = b.getInt(pos + 4);
            byte[] fp = new byte[Journal.FP];
            b.get(pos + 12, fp);
            byte[] payload = new byte[len];
            b.get(pos + Journal.HEADER, payload);
            Rec r = new Rec(pos, len, fp, payload);
            out.add(r);
            pos = r.end();
        }
        return out;
    }

    /** @return {@code fp} and {@code payload} as a record whose CRC-32 is right (and whose HMAC is {@code mac}) */
    private static byte[] record(byte[] fp, byte[] payload, byte[] mac) {
        CRC32 crc = new CRC32();
        crc.update(ByteBuffer.allocate(4).putInt(payload.length).array());
        crc.update(fp);
        crc.update(payload);
        return ByteBuffer.allocate(Journal.HEADER + payload.length + Journal.MAC).putInt(Journal.MARKER)
                .putInt(payload.length).putInt((int) crc.getValue()).put(fp).put(payload).put(mac).array();
    }

    private static byte[] hmac(Path journal, byte[] fp, byte[] payload) throws Exception {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(new SecretKeySpec(Files.readAllBytes(Journal.keyFile(journal)), "HmacSHA256"));
        m.update(ByteBuffer.allocate(4).putInt(payload.length).array());
        m.update(fp);
        m.update(payload);
        return m.doFinal();
    }

    /** @return the file with record {@code r} replaced by {@code replacement} */
    private static byte[] replace(byte[] file, Rec r, byte[] replacement) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(file, 0, r.offset());
        out.writeBytes(replacement);
        out.write(file, r.end(), file.length - r.end());
        return out.toByteArray();
    }

    /** @return the record holding the result of {@code tripled(x)} */
    private static Rec recordOf(List<Rec> recs, int x) {
        ObjectCodec codec = new ObjectCodec(JournalIntegrityTest.class.getClassLoader());
        return recs.stream().filter(r -> !Journal.isJavaSerialized(r.payload()))
                .filter(r -> Integer.valueOf(3 * x).equals(codec.decode(r.payload()))).findFirst()
                .orElseThrow();
    }

    @Test
    void anEditedRecordWithARecomputedCrcIsRefusedAndComputedAgain() throws Exception {
        Path journal = dir.resolve("j");
        journalTripled(journal, 5);
        byte[] file = Files.readAllBytes(journal);
        List<Rec> recs = records(file);
        Rec two = recordOf(recs, 2);
        // 6 becomes 7: same length, CRC-32 recomputed, the HMAC left as it was
        byte[] edited = new ObjectCodec(getClass().getClassLoader()).encode(7);
        assertThat(edited).hasSize(two.length());
        byte[] oldMac = new byte[Journal.MAC];
        System.arraycopy(file, two.offset() + Journal.HEADER + two.length(), oldMac, 0, Journal.MAC);
        Files.write(journal, replace(file, two, record(two.fp(), edited, oldMac)));

        try (Pool pool = Pool.local(1, JobSettings.defaults().journal(journal))) {
            assertThat(pool.map(JournalIntegrityTest::tripled, upTo(5))).isEqualTo(tripledUpTo(5));
        }
        assertThat(runs(2)).isEqualTo(2);
        assertThat(runs(1)).isEqualTo(1);
        assertThat(runs(3)).isEqualTo(1);
        int index = recs.indexOf(two) + 1;
        assertThat(warnings()).contains("journal " + journal + ": record " + index + " at byte offset "
                + two.offset() + " was altered (its CRC-32 matches but its HMAC does not: it was edited, or written "
                + "with another journal's key); it is ignored and its job will run again");
    }

    /** A class whose {@code readObject} has an effect, as the gadgets of deserialization attacks do. */
    static final class Gadget implements Serializable {
        private static final long serialVersionUID = 1L;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            gadgetRan = true;
        }
    }

    private static byte[] javaSerialized(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    @Test
    void aPlantedJavaSerializedRecordNeverRunsItsReadObject() throws Exception {
        Path journal = dir.resolve("j");
        journalTripled(journal, 5);
        byte[] file = Files.readAllBytes(journal);
        List<Rec> recs = records(file);
        byte[] gadget = javaSerialized(new Gadget());
        assertThat(gadget[0]).isEqualTo((byte) 0xAC);
        // planted by someone without the key: a right CRC-32, a wrong HMAC
        Rec two = recordOf(recs, 2);
        byte[] planted = replace(file, two, record(two.fp(), gadget, new byte[Journal.MAC]));
        // and planted with the key itself: the journal never decodes Java serialization all the same
        Rec three = recordOf(records(planted), 3);
        planted = replace(planted, three, record(three.fp(), gadget, hmac(journal, three.fp(), gadget)));
        Files.write(journal, planted);

        try (Pool pool = Pool.local(1, JobSettings.defaults().journal(journal))) {
            assertThat(pool.map(JournalIntegrityTest::tripled, upTo(5))).isEqualTo(tripledUpTo(5));
        }
        assertThat(gadgetRan).as("the planted readObject ran").isFalse();
        assertThat(runs(2)).isEqualTo(2);
        assertThat(runs(3)).isEqualTo(2);
        assertThat(runs(4)).isEqualTo(1);
        assertThat(warnings()).anyMatch(w -> w.endsWith(" holds a Java-serialized value, which a journal never "
                + "decodes; it is ignored and its job will run again"));
    }

    @Test
    void aDamagedRecordInTheMiddleCostsOnlyItselfAndIsNamed() throws Exception {
        Path journal = dir.resolve("j");
        journalTripled(journal, 8);
        byte[] file = Files.readAllBytes(journal);
        List<Rec> recs = records(file);
        Rec two = recordOf(recs, 2);
        Rec five = recordOf(recs, 5);
        file[two.offset() + Journal.HEADER] ^= 0x5A; // a payload byte: the CRC-32 no longer matches
        ByteBuffer.wrap(file).putInt(five.offset() + 4, 0x3FFF_FFF0); // its length: nothing to skip by
        Files.write(journal, file);
        long size = file.length;

        try (Journal j = Journal.open(journal)) {
            assertThat(j.kept()).isEqualTo(6);
        }
        assertThat(Files.size(journal)).as("nothing valid was cut off").isEqualTo(size);
        try (Pool pool = Pool.local(1, JobSettings.defaults().journal(journal))) {
            assertThat(pool.map(JournalIntegrityTest::tripled, upTo(8))).isEqualTo(tripledUpTo(8));
        }
        for (int x = 0; x < 8; x++) {
            assertThat(runs(x)).as("runs of " + x).isEqualTo(x == 2 || x == 5 ? 2 : 1);
        }
        int i2 = recs.indexOf(two) + 1;
        int i5 = recs.indexOf(five) + 1;
        assertThat(warnings()).contains("journal " + journal + ": record " + i2 + " at byte offset " + two.offset()
                + " is damaged (its CRC-32 does not match); it is ignored and its job will run again; reading resumes"
                + " at the next record, at byte offset " + two.end() + " (" + (two.end() - two.offset())
                + " bytes skipped)");
        assertThat(warnings()).contains("journal " + journal + ": record " + i5 + " at byte offset " + five.offset()
                + " is incomplete or damaged (its length, " + 0x3FFF_FFF0 + " bytes, goes past the end of the file); it "
                + "is ignored and its job will run again; reading resumes at the next record, at byte offset "
                + five.end() + " (" + (five.end() - five.offset()) + " bytes skipped)");
    }

    // ---------------------------------------------------------------- the files

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    @Test
    void theJournalAndItsKeyAreCreatedReadableByTheOwnerOnly() throws Exception {
        Path journal = dir.resolve("j");
        assumeTrue(posix(journal), "a POSIX file system");
        journalTripled(journal, 2);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(journal))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Journal.keyFile(journal))))
                .isEqualTo("rw-------");
    }

    @Test
    void aJournalOthersMayWriteIsRefused() throws Exception {
        Path journal = dir.resolve("j");
        assumeTrue(posix(journal), "a POSIX file system");
        journalTripled(journal, 2);
        Files.setPosixFilePermissions(journal, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThatThrownBy(() -> Pool.local(1, JobSettings.defaults().journal(journal)))
                .isInstanceOf(JparException.class).hasMessage("journal " + journal + " has mode rw-rw-rw-: others may "
                        + "write it, and whoever can write it can plant results; make it rw------- (chmod 600 "
                        + journal + ") if you trust its contents, or use a new journal");
        Files.setPosixFilePermissions(journal, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(Journal.keyFile(journal), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> Pool.local(1, JobSettings.defaults().journal(journal)))
                .isInstanceOf(JparException.class).hasMessageStartingWith("journal key file "
                        + Journal.keyFile(journal) + " has mode rw-r--r--: others may read or write it");
    }

    @Test
    void aJournalOwnedByAnotherUserIsRefused() throws Exception {
        Path journal = dir.resolve("j");
        assumeTrue(posix(journal) && "root".equals(System.getProperty("user.name")),
                "root, to give a file to another user");
        journalTripled(journal, 2);
        Files.setOwner(journal, journal.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName("nobody"));
        assertThatThrownBy(() -> Pool.local(1, JobSettings.defaults().journal(journal)))
                .isInstanceOf(JparException.class).hasMessage("journal " + journal + " is owned by nobody, not by root"
                        + " who runs this job: another user could have written its results; use a journal of your "
                        + "own (a new path)");
        assertThat(runs(0)).isEqualTo(1);
    }

    @Test
    void aJournalWithoutItsOwnKeyOrOfTheOldFormatIsRefused() throws Exception {
        Path journal = dir.resolve("j");
        Path other = dir.resolve("other");
        journalTripled(journal, 2);
        journalTripled(other, 2);
        Path key = Journal.keyFile(journal);
        byte[] ownKey = Files.readAllBytes(key);
        Files.copy(Journal.keyFile(other), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> Pool.local(1, JobSettings.defaults().journal(journal)))
                .isInstanceOf(JparException.class).hasMessage("journal " + journal + " does not match its key file "
                        + key + " (the key is another journal's): its records cannot be authenticated; delete both "
                        + "files to start anew (their jobs will run again)");
        Files.delete(key);
        assertThatThrownBy(() -> Pool.local(1, JobSettings.defaults().journal(journal)))
                .isInstanceOf(JparException.class).hasMessage("journal " + journal + " has no key file (" + key
                        + " is missing), so its records cannot be authenticated: delete the journal to start anew (its "
                        + "jobs will run again)");
        Files.write(key, ownKey);
        if (posix(key)) {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        }
        journalTripled(journal, 2);
        assertThat(runs(0)).isEqualTo(2); // once for each journal, never again

        Path old = dir.resolve("old");
        Files.write(old, "JPARJRN1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> Pool.local(1, JobSettings.defaults().journal(old)))
                .isInstanceOf(JparException.class).hasMessage("journal " + old + " was written by an older jpar "
                        + "(format JPARJRN1, whose records are not bound to the task's code and not authenticated): "
                        + "delete it (its jobs will run again)");
    }

    // ---------------------------------------------------------------- what it gives

    @Test
    void resultsTakenFromTheJournalAreCountedAndSaidInOneLine() {
        Path journal = dir.resolve("j");
        journalTripled(journal, 5);
        try (Pool pool = Pool.local(1, JobSettings.defaults().journal(journal))) {
            assertThat(pool.map(JournalIntegrityTest::tripled, upTo(9))).isEqualTo(tripledUpTo(9));
            JobStats stats = pool.stats();
            assertThat(stats.jobs()).isEqualTo(9);
            assertThat(stats.fromJournal()).isEqualTo(5);
            assertThat(stats.workers()).anyMatch(w -> w.name().equals("journal") && w.jobs() == 5);
            assertThat(stats.table()).contains(System.lineSeparator() + "5 results were taken from the journal "
                    + "(computed by an earlier run), 4 computed now" + System.lineSeparator());
        }
    }
}
