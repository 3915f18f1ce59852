package org.layerskip.examples;

import org.layerskip.config.LlamaConfig;
import org.layerskip.io.HfLlama;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks that a checkpoint to continue training from has the shape of the configured model, so a
 * mismatch is one clear message before anything is trained or written (and not a tensor-shape error
 * deep in loading, or a silently different model).
 */
public final class CheckpointShape {

    private CheckpointShape() {}

    /**
     * Compares the architecture of a checkpoint with the configured one.
     *
     * @param dir the checkpoint folder (for the message)
     * @param checkpoint its {@code config.json}
     * @param configured the model the run is configured for
     * @throws IllegalArgumentException listing every differing field, naming the checkpoint
     */
    public static void check(Path dir, LlamaConfig checkpoint, LlamaConfig configured) {
        List<String> diffs = new ArrayList<>();
        diff(diffs, "num_hidden_layers", checkpoint.numLayers(), configured.numLayers());
        diff(diffs, "hidden_size", checkpoint.hiddenSize(), configured.hiddenSize());
        diff(
                diffs,
                "intermediate_size",
                checkpoint.intermediateSize(),
                configured.intermediateSize());
        diff(diffs, "num_attention_heads", checkpoint.numHeads(), configured.numHeads());
        diff(diffs, "num_key_value_heads", checkpoint.numKvHeads(), configured.numKvHeads());
        diff(diffs, "head_dim", checkpoint.headDim(), configured.headDim());
        diff(diffs, "vocab_size (the tokenizer's)", checkpoint.vocabSize(), configured.vocabSize());
        diff(
                diffs,
                "tie_word_embeddings",
                checkpoint.tieWordEmbeddings(),
                configured.tieWordEmbeddings());
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "--init-from %s: the checkpoint's shape differs from the configured model (%s);"
                                    + " drop the architecture options to take the checkpoint's",
                            dir.resolve(HfLlama.CONFIG_FILE),
                            String.join(", ", diffs)));
        }
    }

    private static void diff(List<String> out, String field, Object checkpoint, Object configured) {
        if (!checkpoint.equals(configured)) {
            out.add(field + " " + checkpoint + " in the checkpoint, " + configured + " configured");
        }
    }
}
