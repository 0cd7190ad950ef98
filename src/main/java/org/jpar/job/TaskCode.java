package org.jpar.job;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The identity of a task's code, so that a journal never hands a changed program results it did not compute: the
 * SHA-256 of the class files of the task's class and of every class it references, directly or not, that comes from
 * the same class-path entry (directory or jar) as it. For a lambda or method reference the task's class is the class
 * that declares it (the lambda's nest host), whose class file holds the lambda's body. Class files are read through
 * the class's own loader ({@link ClassLoader#getResourceAsStream}); references are taken from the constant pool
 * (classes, and the types in descriptors and signatures). Classes of other entries (the JDK, jpar, libraries) are
 * not part of it, and at most {@link #MAX_CLASSES} classes are. Computed once per class and cached.
 */
final class TaskCode {
    /** At most this many class files make up one identity (the first ones, breadth first from the task's class). */
    static final int MAX_CLASSES = 10_000;

    private static final ClassValue<byte[]> CACHE = new ClassValue<>() {
        @Override
        protected byte[] computeValue(Class<?> type) {
            return compute(type);
        }
    };

    private TaskCode() {
    }

    /**
     * @return the 32-byte identity of {@code task}'s code
     * @throws UncheckedIOException if a class file cannot be read
     */
    static byte[] identity(Object task) {
        Class<?> c = task.getClass();
        if (c.isHidden() || c.isSynthetic()) {
            // a lambda or method reference: its class is generated from the declaring class's bytes
            c = c.getNestHost();
        }
        return CACHE.get(c).clone();
    }

    private static byte[] compute(Class<?> root) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        d.update(root.getName().getBytes(StandardCharsets.UTF_8));
        ClassLoader loader = root.getClassLoader();
        if (loader == null) {
            return d.digest();
        }
        String rootName = root.getName().replace('.', '/');
        String home = location(loader.getResource(rootName + ".class"), rootName);
        if (home == null) {
            return d.digest();
        }
        ArrayDeque<String> queue = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        queue.add(rootName);
        seen.add(rootName);
        int count = 0;
        while (!queue.isEmpty() && count < MAX_CLASSES) {
            String name = queue.poll();
            String resource = name + ".class";
            if (!name.equals(rootName) && !home.equals(location(loader.getResource(resource), name))) {
                continue;
            }
            byte[] bytes;
            try (InputStream in = loader.getResourceAsStream(resource)) {
                if (in == null) {
                    continue;
                }
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource + " to identify the task's code: " + e, e);
            }
            count++;
            d.update(name.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(bytes);
            for (String ref : references(bytes)) {
                if (seen.add(ref)) {
                    queue.add(ref);
                }
            }
        }
        return d.digest();
    }

    /** @return the class-path entry a class file was found in (its URL without the class's path), or null */
    private static String location(URL url, String name) {
        if (url == null) {
            return null;
        }
        String s = url.toString();
        String suffix = name + ".class";
        return s.endsWith(suffix) ? s.substring(0, s.length() - suffix.length()) : s;
    }

    /**
     * @return the internal names of the classes a class file refers to: its constant pool's classes, and the
     *         {@code Lname;} types in its strings (descriptors, signatures); in the order they appear
     */
    static List<String> references(byte[] classFile) {
        List<String> out = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(classFile))) {
            if (in.readInt() != 0xCAFEBABE) {
                return out;
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int n = in.readUnsignedShort();
            String[] utf8 = new String[n];
            int[] classNames = new int[n];
            int classes = 0;
            for (int i = 1; i < n; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 7 -> classNames[classes++] = in.readUnsignedShort();
                    case 8, 16, 19, 20 -> in.readUnsignedShort();
                    case 15 -> {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++;
                    }
                    default -> {
                        return out; // a constant pool this reader does not know: the bytes are hashed all the same
                    }
                }
            }
            for (int k = 0; k < classes; k++) {
                String s = utf8[classNames[k]];
                if (s != null) {
                    int l = s.indexOf('L');
                    out.add(s.startsWith("[") ? (l >= 0 && s.endsWith(";") ? s.substring(l + 1, s.length() - 1)
                            : null) : s);
                }
            }
            out.removeIf(x -> x == null);
            for (String s : utf8) {
                if (s == null) {
                    continue;
                }
                int i = s.indexOf('L');
                while (i >= 0) {
                    int end = s.indexOf(';', i);
                    if (end < 0) {
                        break;
                    }
                    String name = s.substring(i + 1, end);
                    if (isInternalName(name)) {
                        out.add(name);
                    }
                    i = s.indexOf('L', i + 1);
                }
            }
        } catch (IOException e) {
            // a truncated class file: what was read so far
        }
        return out;
    }

    private static boolean isInternalName(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (!Character.isJavaIdentifierPart(ch) && ch != '/') {
                return false;
            }
        }
        return true;
    }
}
