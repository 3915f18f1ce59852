package org.layerskip.zoo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

/** Copies the tiny-f32 fixture plus the tiny tokenizer into throw-away folders. */
final class ZooFixtures {

    private ZooFixtures() {}

    static Path fixture(String name) {
        Path dir = Paths.get(System.getProperty("layerskip.fixtures", "../.cache/fixtures"), name);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalStateException(
                    "fixture " + dir + " missing; run scripts/make-fixtures.sh first");
        }
        return dir;
    }

    static Path tinyTokenizer() {
        return Paths.get(System.getProperty("user.dir"))
                .resolve("../layerskip-djl/src/test/resources/tokenizers/tiny")
                .normalize();
    }

    /** Writes a copy of tiny-f32 + tokenizer to {@code dir}. */
    static Path copyTiny(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Path src : new Path[] {fixture("tiny-f32"), tinyTokenizer()}) {
            try (Stream<Path> files = Files.list(src)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String n = f.getFileName().toString();
                    if (n.endsWith(".json") || n.endsWith(".safetensors")) {
                        Files.copy(f, dir.resolve(n));
                    }
                }
            }
        }
        return dir;
    }
}
