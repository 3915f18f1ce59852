package org.layerskip.zoo;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The models the zoo knows: two tiny bundled models and the published LayerSkip checkpoints
 * (collection {@code facebook/layerskip}, gated, FAIR Noncommercial Research License).
 *
 * <p>Recommended E/d come from the LayerSkip paper (arXiv:2404.16710, Table 3, greedy, H100), the
 * repository README and the Hugging Face blog; the {@code source} of each entry says which and
 * marks guesses as unverified. Every value can be overridden per Criteria ({@code exitLayer},
 * {@code numSpeculations}) or per request.
 */
public final class ZooCatalog {

    /** The entries, bundled first. */
    public static final List<ZooEntry> ENTRIES =
            List.of(
                    new ZooEntry(
                            "tiny-layerskip",
                            null,
                            "tiny Llama trained with LayerSkip (bundled, for tests and demos)",
                            0,
                            0,
                            "library defaults E=L/4, d=4"),
                    new ZooEntry(
                            "tiny-baseline",
                            null,
                            "tiny Llama trained without LayerSkip (bundled baseline)",
                            0,
                            0,
                            "library defaults E=L/4, d=4"),
                    new ZooEntry(
                            "layerskip-llama2-7B",
                            "facebook/layerskip-llama2-7B",
                            "Llama2 7B, 32 layers, hidden 4096",
                            8,
                            6,
                            "README generate/benchmark default E=8 d=6; paper Table 3 uses E=8"
                                    + " d=12 on CNN/DM and XSUM, d=6 on HumanEval"),
                    new ZooEntry(
                            "layerskip-llama2-13B",
                            "facebook/layerskip-llama2-13B",
                            "Llama2 13B, 40 layers, hidden 5120",
                            15,
                            12,
                            "paper Table 3: E=15, d=12 (CNN/DM) or d=4 (XSUM)"),
                    new ZooEntry(
                            "layerskip-llama2-70B",
                            "facebook/layerskip-llama2-70B",
                            "Llama2 70B, 80 layers, hidden 8192 (base config, unverified)",
                            10,
                            0,
                            "E=10 from project notes, unverified; d not published (library"
                                    + " default 4)"),
                    new ZooEntry(
                            "layerskip-codellama-7B",
                            "facebook/layerskip-codellama-7B",
                            "CodeLlama 7B, 32 layers, hidden 4096 (base config, unverified)",
                            8,
                            6,
                            "unverified: borrowed from Llama2 7B HumanEval (E=8, d=6)"),
                    new ZooEntry(
                            "layerskip-codellama-34B",
                            "facebook/layerskip-codellama-34B",
                            "CodeLlama 34B, 48 layers, hidden 8192 (base config, unverified)",
                            0,
                            0,
                            "no published E/d; library defaults (E=L/4=12, d=4), unverified"),
                    new ZooEntry(
                            "layerskip-llama3-8B",
                            "facebook/layerskip-llama3-8B",
                            "Llama3 8B, 32 layers, hidden 4096, GQA",
                            4,
                            0,
                            "E=4 as in the Hugging Face blog (assistant_early_exit=4); d not"
                                    + " published (library default 4)"),
                    new ZooEntry(
                            "layerskip-llama3.2-1B",
                            "facebook/layerskip-llama3.2-1B",
                            "Llama3.2 1B, 16 layers, hidden 2048, 32 heads, 8 KV heads, tied"
                                    + " embeddings",
                            4,
                            0,
                            "E=4 as in the Hugging Face blog; d not published (library"
                                    + " default 4)"));

    private ZooCatalog() {}

    /**
     * Finds an entry by zoo id or Hugging Face repo id, ignoring case.
     *
     * @param id e.g. {@code layerskip-llama3.2-1B} or {@code facebook/layerskip-llama3.2-1B}
     * @return the entry
     */
    public static Optional<ZooEntry> find(String id) {
        String n = id.trim().toLowerCase(Locale.ROOT);
        if (n.startsWith("facebook/")) {
            n = n.substring("facebook/".length());
        }
        for (ZooEntry e : ENTRIES) {
            if (e.artifactId().toLowerCase(Locale.ROOT).equals(n)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
