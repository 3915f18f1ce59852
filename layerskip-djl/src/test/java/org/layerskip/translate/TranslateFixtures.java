package org.layerskip.translate;

import org.layerskip.io.Fixtures;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** Builds throw-away model folders: a fixture checkpoint plus the tiny test tokenizer. */
public final class TranslateFixtures {

    private TranslateFixtures() {}

    /**
     * Copies {@code tiny-f32} and the tiny tokenizer into a new temporary folder.
     *
     * @return the folder
     * @throws IOException if copying fails
     */
    public static Path tinyModelWithTokenizer() throws IOException {
        Path dir = Files.createTempDirectory("layerskip-tiny");
        try (Stream<Path> files = Files.list(Fixtures.dir("tiny-f32"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName().toString()));
            }
        }
        for (String name : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            try (InputStream in =
                    TranslateFixtures.class.getResourceAsStream("/tokenizers/tiny/" + name)) {
                Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }
}
