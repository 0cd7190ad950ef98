package org.jpar.job;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.ZipFile;

/**
 * The identity of a task's code, so that a journal never hands a changed program results it did not compute: the
 * SHA-256 of the class files of the task's class and of every class it references, directly or not, that comes from
 * the same class-path entry (directory or jar) as it. For a lambda or method reference the task's class is the class
 * that declares it (the lambda's nest host), whose class file holds the lambda's body. The entry is where the class's
 * own loader finds its class file ({@link ClassLoader#getResource}); a directory or jar is then read directly, any
 * other location through the loader. References are taken from the constant pool (classes, and the types in
 * descriptors and signatures). Classes of other entries (the JDK, jpar, libraries) are not part of it, and at most
 * {@link #MAX_CLASSES} classes are. Computed once per class and cached (0.15-0.26 s of CPU for the 1,590 classes a
 * demo reaches in the jar of jpar and its libraries, on a cold JVM).
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
        try (Entry home = Entry.of(loader, rootName)) {
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
                byte[] bytes = home.read(name);
                if (bytes == null) {
                    continue;
                }
                count++;
                d.update(name.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
                d.update(bytes);
                for (String ref : references(bytes)) {
                    if (seen.add(ref) && !isJdk(ref)) {
                        queue.add(ref);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the class files of " + root.getName() + " to identify the "
                    + "task's code: " + e, e);
        }
        return d.digest();
    }

    private static boolean isJdk(String internalName) {
        return internalName.startsWith("java/") || internalName.startsWith("javax/")
                || internalName.startsWith("jdk/") || internalName.startsWith("sun/");
    }

    /**
     * The class-path entry the task's class was found in: a directory or a jar, read directly (fast), or any other
     * kind of location, read through the class loader.
     */
    private abstract static class Entry implements AutoCloseable {
        /** @return the class file {@code name} of this entry, or null if the entry does not hold it */
        abstract byte[] read(String name) throws IOException;

        @Override
        public void close() throws IOException {
        }

        /** @return the entry of class {@code name}, or null if its class file cannot be found */
        static Entry of(ClassLoader loader, String name) throws IOException {
            String suffix = name + ".class";
            URL url = loader.getResource(suffix);
            if (url == null) {
                return null;
            }
            String s = url.toString();
            if (!s.endsWith(suffix)) {
                return new ByLoader(loader, s);
            }
            String base = s.substring(0, s.length() - suffix.length());
            try {
                if (base.startsWith("file:")) {
                    return new Directory(Path.of(new URI(base)));
                }
                if (base.startsWith("jar:file:") && base.endsWith("!/")) {
                    Path jar = Path.of(new URI(base.substring("jar:".length(), base.length() - 2)));
                    return new Jar(new JarFile(jar.toFile(), true, ZipFile.OPEN_READ, Runtime.version()));
                }
            } catch (URISyntaxException | IllegalArgumentException e) {
                // read it through the loader
            }
            return new ByLoader(loader, base);
        }
    }

    private static final class Directory extends Entry {
        private final Path root;

        Directory(Path root) {
            this.root = root;
        }

        @Override
        byte[] read(String name) throws IOException {
            Path f;
            try {
                f = root.resolve(name + ".class");
            } catch (InvalidPathException e) {
                return null; // not a class name after all
            }
            return Files.isRegularFile(f) ? Files.readAllBytes(f) : null;
        }
    }

    private static final class Jar extends Entry {
        private final JarFile jar;

        Jar(JarFile jar) {
            this.jar = jar;
        }

        @Override
        byte[] read(String name) throws IOException {
            JarEntry e = jar.getJarEntry(name + ".class");
            if (e == null) {
                return null;
            }
            try (InputStream in = jar.getInputStream(e)) {
                return in.readAllBytes();
            }
        }

        @Override
        public void close() throws IOException {
            jar.close();
        }
    }

    /** Any other location: through the loader, the class files it finds at the same place. */
    private static final class ByLoader extends Entry {
        private final ClassLoader loader;
        private final String base;

        ByLoader(ClassLoader loader, String base) {
            this.loader = loader;
            this.base = base;
        }

        @Override
        byte[] read(String name) throws IOException {
            String resource = name + ".class";
            URL url = loader.getResource(resource);
            if (url == null || !url.toString().startsWith(base)) {
                return null;
            }
            try (InputStream in = loader.getResourceAsStream(resource)) {
                return in == null ? null : in.readAllBytes();
            }
        }
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
                if (s != null) {
                    typesIn(s, out);
                }
            }
        } catch (IOException e) {
            // a truncated class file: what was read so far
        }
        return out;
    }

    /** Adds the {@code Lname;} types in {@code s} (a descriptor or signature; other strings rarely have any). */
    private static void typesIn(String s, List<String> out) {
        int n = s.length();
        int i = s.indexOf('L');
        while (i >= 0 && i < n) {
            int j = i + 1;
            while (j < n && (Character.isJavaIdentifierPart(s.charAt(j)) || s.charAt(j) == '/')) {
                j++;
            }
            if (j < n && s.charAt(j) == ';' && j > i + 1) {
                out.add(s.substring(i + 1, j));
            }
            i = s.indexOf('L', j);
        }
    }
}
