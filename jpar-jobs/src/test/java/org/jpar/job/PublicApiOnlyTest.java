package org.jpar.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The job layer is built on jpar's public API and the layers' extension point (LayerChannel, LayerCodec, LayerTrace),
 * never on engine internals: no class of org.jpar.job refers to org.jpar.internal, an engine, or the raw Transport.
 */
class PublicApiOnlyTest {
    /** Class names as they stand in a class file's constant pool. */
    static final List<String> FORBIDDEN = List.of("org/jpar/internal/", "org/jpar/engine/", "org/jpar/spi/Transport",
            "org/jpar/spi/Collectives", "org/jpar/spi/EngineProvider");

    /** @return "Class.class -> forbidden/name" for every forbidden reference under {@code classes} */
    static List<String> offenders(Path classes) throws IOException {
        try (Stream<Path> files = Files.walk(classes)) {
            return files.filter(p -> p.toString().endsWith(".class")).flatMap(p -> {
                String text;
                try {
                    text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return FORBIDDEN.stream().filter(text::contains).map(f -> classes.relativize(p) + " -> " + f);
            }).toList();
        }
    }

    @Test
    void theJobLayerUsesOnlyThePublicApiAndTheLayerExtensionPoint() throws IOException, URISyntaxException {
        Path root = Path.of(Pool.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path pkg = root.resolve("org/jpar/job");
        assertThat(pkg).isDirectory();
        assertThat(offenders(pkg)).isEmpty();
    }
}
