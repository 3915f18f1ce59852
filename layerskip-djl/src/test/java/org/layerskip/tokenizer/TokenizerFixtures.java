package org.layerskip.tokenizer;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates the tokenizer files used by the tests. */
final class TokenizerFixtures {

    /** System property naming the folder filled by {@code scripts/fetch-tokenizers.sh}. */
    static final String PROPERTY = "layerskip.tokenizers";

    private TokenizerFixtures() {}

    /**
     * Returns the folder of a downloaded real tokenizer; fails (does not skip) when it is missing.
     *
     * @param name {@code llama2} or {@code llama3}
     * @return the folder holding tokenizer.json and tokenizer_config.json
     */
    static Path real(String name) {
        String root = System.getProperty(PROPERTY);
        if (root == null || root.isBlank()) {
            throw new AssertionError(
                    "system property "
                            + PROPERTY
                            + " is not set; run scripts/fetch-tokenizers.sh"
                            + " and run the tests through Maven (the root pom sets it)");
        }
        Path dir = Paths.get(root, name);
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))
                || !Files.isRegularFile(dir.resolve("tokenizer_config.json"))) {
            throw new AssertionError(
                    "tokenizer files missing in " + dir + "; run scripts/fetch-tokenizers.sh");
        }
        return dir;
    }

    /**
     * Returns the folder of the hand-made tiny tokenizer on the test class path.
     *
     * @return the folder holding tokenizer.json and tokenizer_config.json
     */
    static Path tiny() {
        try {
            return Paths.get(TokenizerFixtures.class.getResource("/tokenizers/tiny").toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }
}
