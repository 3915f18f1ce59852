package org.layerskip.spark;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.layerskip.engine.EngineKind;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The task body of {@link LayerSkipGenerator}: takes this JVM's shared model (loading it on the
 * first non-empty partition), then streams the partition through {@link BatchedGeneration} in
 * batches, appending the result struct to each input row.
 */
final class GeneratePartition implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    private final ModelKey model;
    private final RowOptions defaults;
    private final int batchSize;
    private final int promptIndex;
    private final int optionsIndex;
    private final EngineKind engine;

    /**
     * Creates the task body.
     *
     * @param model which model
     * @param defaults options of rows that override none
     * @param batchSize rows per batch
     * @param promptIndex index of the prompt column
     * @param optionsIndex index of the per-row options column, or -1
     * @param engine the decode engine
     */
    GeneratePartition(
            ModelKey model,
            RowOptions defaults,
            int batchSize,
            int promptIndex,
            int optionsIndex,
            EngineKind engine) {
        this.model = model;
        this.defaults = defaults;
        this.batchSize = batchSize;
        this.promptIndex = promptIndex;
        this.optionsIndex = optionsIndex;
        this.engine = engine;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        BatchedGeneration[] generation = new BatchedGeneration[1];
        return PartitionBatches.map(
                rows,
                batchSize,
                batch -> {
                    if (generation[0] == null) {
                        generation[0] =
                                new BatchedGeneration(
                                        ExecutorModels.acquire(model), defaults, engine);
                    }
                    List<PromptRequest> requests = new ArrayList<>(batch.size());
                    for (Row r : batch) {
                        requests.add(
                                new PromptRequest(
                                        r.isNullAt(promptIndex) ? null : r.getString(promptIndex),
                                        options(r)));
                    }
                    List<GenerationRecord> records = generation[0].generate(requests);
                    List<Row> out = new ArrayList<>(batch.size());
                    for (int i = 0; i < batch.size(); i++) {
                        out.add(append(batch.get(i), GenerationStruct.toRow(records.get(i))));
                    }
                    return out;
                });
    }

    private Map<String, String> options(Row r) {
        if (optionsIndex < 0 || r.isNullAt(optionsIndex)) {
            return Collections.emptyMap();
        }
        Map<String, String> m = new HashMap<>();
        for (Map.Entry<Object, Object> e : r.<Object, Object>getJavaMap(optionsIndex).entrySet()) {
            m.put(
                    String.valueOf(e.getKey()),
                    e.getValue() == null ? null : String.valueOf(e.getValue()));
        }
        return m;
    }

    private static Row append(Row in, Row result) {
        Object[] values = new Object[in.length() + 1];
        for (int i = 0; i < in.length(); i++) {
            values[i] = in.get(i);
        }
        values[in.length()] = result;
        return RowFactory.create(values);
    }
}
