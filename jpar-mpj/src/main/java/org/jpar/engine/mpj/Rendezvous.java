package org.jpar.engine.mpj;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * jpar's niodev start-up protocol between the launcher and each rank, over one TCP connection per rank that then
 * stays open as the job's supervision channel. MPJ's own rendezvous (each rank sends its two ports, the server answers
 * with the table of every rank's address and ports) travels inside it, authenticated:
 *
 * <pre>
 * launcher -> rank:  "JPARMPJ1" (8 bytes), nonce (32 random bytes)
 * rank -> launcher:  rank (int), HMAC-SHA256(job key, nonce || rank) (32 bytes)
 * rank -> launcher:  MPJ's write port (int), read port (int)          (from MPJ's "Sending Info", relayed)
 * launcher -> rank:  MPJ's peer table (writeUTF), once every rank has registered
 * then, until the job ends:
 * rank -> launcher:  'E' the rank ended normally, 'F' it failed (and reported it itself), or 'A' and an int: it
 *                    called abort(code) (and said so itself)
 * launcher -> rank:  'S' stop now (another rank failed, or the job is being stopped)
 * </pre>
 *
 * The job key is 32 random bytes the launcher makes for each job and gives every rank on its standard input (never on
 * a command line, which other users can read); it never travels on the network. A connection that does not prove it
 * knows the key, claims a rank that is taken or out of range, or sends anything malformed is closed and ignored.
 */
final class Rendezvous {
    static final byte[] MAGIC = "JPARMPJ1".getBytes(StandardCharsets.US_ASCII);
    static final int NONCE_BYTES = 32;
    static final int KEY_BYTES = 32;
    static final int MAC_BYTES = 32;
    static final int ENDED = 'E';
    static final int FAILED = 'F';
    static final int STOP = 'S';
    /** Rank -> launcher: {@code Par.abort(code)}, followed by the code (int). */
    static final int ABORT = 'A';
    /** Environment variable of a niodev rank: the number of ranks. */
    static final String SIZE_ENV = "JPAR_MPJ_SIZE";
    /** Environment variable of a niodev rank: the launcher's rendezvous address, {@code HOST:PORT}. */
    static final String SERVER_ENV = "JPAR_MPJ_SERVER";
    /** MPJ's threshold between its eager and rendezvous protocols (bytes), as MPJ's own launcher gives it. */
    static final int PROTOCOL_SWITCH = 131072;

    private Rendezvous() {
    }

    /** @return a new random job key */
    static byte[] newKey() {
        byte[] k = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(k);
        return k;
    }

    static byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        new SecureRandom().nextBytes(n);
        return n;
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    static byte[] unhex(String s) {
        return HexFormat.of().parseHex(s);
    }

    /** @return HMAC-SHA256 under {@code key} of {@code nonce} and {@code rank} */
    static byte[] mac(byte[] key, byte[] nonce, int rank) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            m.update(nonce);
            m.update(ByteBuffer.allocate(4).putInt(rank).array());
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK: " + e, e);
        }
    }

    static boolean macMatches(byte[] key, byte[] nonce, int rank, byte[] mac) {
        return MessageDigest.isEqual(mac(key, nonce, rank), mac);
    }

    /** The rank's side of the greeting: reads the launcher's nonce, proves the key. */
    static void greet(DataInputStream in, DataOutputStream out, byte[] key, int rank) throws IOException {
        byte[] magic = new byte[MAGIC.length];
        in.readFully(magic);
        if (!MessageDigest.isEqual(magic, MAGIC)) {
            throw new IOException("the rendezvous server is not jpar's launcher (it did not greet with JPARMPJ1)");
        }
        byte[] nonce = new byte[NONCE_BYTES];
        in.readFully(nonce);
        out.writeInt(rank);
        out.write(mac(key, nonce, rank));
        out.flush();
    }

    /** @return MPJ's conf string for {@code MPI.Init}: the job's size and the rendezvous server it connects to */
    static String conf(int size, String host, int port) {
        return "#Number of Processes;" + size + ";#Protocol Switch Limit;" + PROTOCOL_SWITCH + ";#Server Name;" + host
                + ";#Server Port;" + port;
    }
}
