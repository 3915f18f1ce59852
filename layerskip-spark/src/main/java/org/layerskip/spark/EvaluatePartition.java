package org.layerskip.spark;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.train.LayerEvaluator;
import org.layerskip.train.LayerTotals;
import org.layerskip.train.TokenSequences;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * The task body of {@link LayerSkipEvaluator}: turns a partition's rows into token windows (text
 * rows are tokenized here and cut into windows of {@code seqLen + 1} tokens; token-array rows are
 * windows already), runs them through {@link LayerEvaluator#totals} in chunks, and emits one row of
 * per-exit sums for the partition (none for an empty one).
 */
final class EvaluatePartition implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    /** The schema of a partition's sums. */
    static final StructType SUMS =
            new StructType()
                    .add("layers", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                    .add("nll", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
                    .add("correct", DataTypes.createArrayType(DataTypes.LongType, false), false)
                    .add("tokens", DataTypes.LongType, false);

    /** Windows evaluated per {@link LayerEvaluator#totals} call, in batches. */
    private static final int CHUNK_BATCHES = 32;

    private final ModelKey model;
    private final int inputIndex;
    private final boolean text;
    private final int seqLen;
    private final int batchSize;
    private final int[] exitLayers;

    /**
     * Creates the task body.
     *
     * @param model which model
     * @param inputIndex the input column
     * @param text whether the column holds documents (else token windows)
     * @param seqLen tokens the model reads per window cut from a document
     * @param batchSize windows per forward pass
     * @param exitLayers the exits, or empty for all
     */
    EvaluatePartition(
            ModelKey model,
            int inputIndex,
            boolean text,
            int seqLen,
            int batchSize,
            int[] exitLayers) {
        this.model = model;
        this.inputIndex = inputIndex;
        this.text = text;
        this.seqLen = seqLen;
        this.batchSize = batchSize;
        this.exitLayers = exitLayers.clone();
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return Collections.emptyIterator();
        }
        SharedModel shared = ExecutorModels.acquire(model);
        int[] exits = exits(shared.model.numLayers());
        int context = shared.model.getConfig().maxPositionEmbeddings();
        LlamaTokenizer tokenizer = text ? shared.tokenizer("evaluating text") : null;
        if (text && seqLen > context) {
            throw new IllegalArgumentException(
                    "seqLen "
                            + seqLen
                            + " exceeds the context length of "
                            + model.model()
                            + " (max_position_embeddings "
                            + context
                            + ")");
        }
        LayerTotals totals = LayerTotals.zero(exits);
        List<long[]> chunk = new ArrayList<>();
        int chunkSize = batchSize * CHUNK_BATCHES;
        while (rows.hasNext()) {
            Row row = rows.next();
            for (long[] w : windows(row, tokenizer)) {
                if (!chunk.isEmpty()
                        && (chunk.size() == chunkSize || chunk.get(0).length != w.length)) {
                    totals = totals.plus(evaluate(shared, chunk, exits));
                    chunk.clear();
                }
                chunk.add(w);
            }
        }
        if (!chunk.isEmpty()) {
            totals = totals.plus(evaluate(shared, chunk, exits));
        }
        if (totals.tokens() == 0) {
            return Collections.emptyIterator();
        }
        Integer[] layers = Arrays.stream(totals.layers()).boxed().toArray(Integer[]::new);
        Double[] nll = Arrays.stream(totals.nll()).boxed().toArray(Double[]::new);
        Long[] correct = Arrays.stream(totals.correct()).boxed().toArray(Long[]::new);
        return List.of(
                        RowFactory.create(
                                ScalaSeqs.of(Arrays.asList(layers)),
                                ScalaSeqs.of(Arrays.asList(nll)),
                                ScalaSeqs.of(Arrays.asList(correct)),
                                totals.tokens()))
                .iterator();
    }

    private int[] exits(int numLayers) {
        if (exitLayers.length == 0) {
            int[] all = new int[numLayers];
            for (int i = 0; i < numLayers; i++) {
                all[i] = i + 1;
            }
            return all;
        }
        for (int e : exitLayers) {
            if (e < 1 || e > numLayers) {
                throw new IllegalArgumentException(
                        "exit layer "
                                + e
                                + " is outside [1, "
                                + numLayers
                                + "] for "
                                + model.model());
            }
        }
        return exitLayers.clone();
    }

    private List<long[]> windows(Row row, LlamaTokenizer tokenizer) {
        if (row.isNullAt(inputIndex)) {
            if (text) {
                return List.of(); // no document
            }
            throw new IllegalArgumentException("a token window is null");
        }
        if (!text) {
            List<Object> ids = row.getList(inputIndex);
            if (ids.size() < 2) {
                throw new IllegalArgumentException(
                        "a token window needs at least 2 ids (read the first, predict the rest), got "
                                + ids.size());
            }
            long[] w = new long[ids.size()];
            for (int i = 0; i < w.length; i++) {
                Object id = ids.get(i);
                if (id == null) {
                    throw new IllegalArgumentException("a token window holds a null id");
                }
                w[i] = ((Number) id).longValue();
            }
            return List.of(w);
        }
        // as eval-layers: BOS/EOS per the tokenizer, consecutive windows, tail dropped
        long[] stream = TokenSequences.tokenize(tokenizer, List.of(row.getString(inputIndex)));
        int length = seqLen + 1;
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i + length <= stream.length; i += length) {
            out.add(Arrays.copyOfRange(stream, i, i + length));
        }
        return out;
    }

    private LayerTotals evaluate(SharedModel shared, List<long[]> windows, int[] exits) {
        return LayerEvaluator.totals(
                shared.model,
                TokenSequences.of(windows.toArray(new long[0][]), 0),
                batchSize,
                exits,
                n -> {});
    }
}
