package org.layerskip.spark;

import org.layerskip.engine.EngineKind;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.tokenizer.LlamaTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates a batch of rows with one shared model: each row's prompt is checked and tokenized and
 * its options resolved; rows with equal options go through {@link Generator#generateBatch} together
 * (a batch row gives exactly what the prompt gives alone, greedy or sampled, so results do not
 * depend on how rows are partitioned or batched). A row that cannot be generated gets an error
 * message and the others are unaffected: bad input ({@link IllegalArgumentException}, which the
 * library throws before any native work) is the row's problem, anything else fails the task.
 */
final class BatchedGeneration {

    private final Generator generator;
    private final LlamaTokenizer tokenizer;
    private final RowOptions defaults;
    private final EngineKind engine;

    /**
     * Creates a generation over a shared model.
     *
     * @param model the model loaded in this JVM
     * @param defaults the options of rows that override none
     * @param engine the decode engine
     * @throws ModelUnavailableException if the model has no tokenizer
     */
    BatchedGeneration(SharedModel model, RowOptions defaults, EngineKind engine) {
        this.generator = model.generator();
        this.tokenizer = model.tokenizer("generating from text prompts");
        this.defaults = defaults;
        this.engine = engine;
    }

    /**
     * Generates for a batch of rows.
     *
     * @param rows the rows, in order
     * @return one record per row, in order
     */
    List<GenerationRecord> generate(List<PromptRequest> rows) {
        int n = rows.size();
        GenerationRecord[] out = new GenerationRecord[n];
        long[][] ids = new long[n][];
        Map<RowOptions, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            PromptRequest row = rows.get(i);
            try {
                if (row.prompt() == null) {
                    throw new IllegalArgumentException("the row has no prompt");
                }
                if (row.prompt().isEmpty()) {
                    throw new IllegalArgumentException("the prompt is empty");
                }
                RowOptions options = defaults.with(row.options());
                ids[i] = tokenizer.encode(row.prompt());
                groups.computeIfAbsent(options, k -> new ArrayList<>()).add(i);
            } catch (IllegalArgumentException e) {
                out[i] = GenerationRecord.failed(ModelFolders.firstLine(e));
            }
        }
        for (Map.Entry<RowOptions, List<Integer>> g : groups.entrySet()) {
            generateGroup(
                    g.getKey().toGenerationOptions().toBuilder().optEngine(engine).build(),
                    g.getValue(),
                    ids,
                    out);
        }
        return Arrays.asList(out);
    }

    private void generateGroup(
            GenerationOptions options, List<Integer> rows, long[][] ids, GenerationRecord[] out) {
        long[][] prompts = new long[rows.size()][];
        for (int j = 0; j < prompts.length; j++) {
            prompts[j] = ids[rows.get(j)];
        }
        try {
            List<GenerationResult> results = generator.generateBatch(prompts, options, null);
            for (int j = 0; j < prompts.length; j++) {
                out[rows.get(j)] = record(results.get(j));
            }
        } catch (IllegalArgumentException batchError) {
            // Some row is invalid for this model (too long for the context, an exit layer out of
            // range, ...): the library checks before any work, so run each row alone for its
            // verdict.
            for (int j = 0; j < prompts.length; j++) {
                try {
                    out[rows.get(j)] = record(generator.generate(prompts[j], options, null));
                } catch (IllegalArgumentException e) {
                    out[rows.get(j)] = GenerationRecord.failed(ModelFolders.firstLine(e));
                }
            }
        }
    }

    private GenerationRecord record(GenerationResult r) {
        return GenerationRecord.of(r, tokenizer.decode(r.tokenIds()));
    }
}
