package org.layerskip.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * The output column of {@link LayerSkipGenerator}: a struct of {@code text} (string), {@code
 * token_ids} (array of bigint), {@code finish_reason} (string: eos or length), {@code
 * num_generated} (int), {@code acceptance_rate} (double, self-speculative rows only) and {@code
 * error} (string, null when the row is fine; when set, every other field is null).
 */
public final class GenerationStruct {

    /** Field: generated text. */
    public static final String TEXT = "text";

    /** Field: generated token ids. */
    public static final String TOKEN_IDS = "token_ids";

    /** Field: eos or length. */
    public static final String FINISH_REASON = "finish_reason";

    /** Field: number of generated tokens. */
    public static final String NUM_GENERATED = "num_generated";

    /** Field: accepted / drafted tokens. */
    public static final String ACCEPTANCE_RATE = "acceptance_rate";

    /** Field: error message. */
    public static final String ERROR = "error";

    /** The struct type. */
    public static final StructType TYPE =
            new StructType()
                    .add(TEXT, DataTypes.StringType, true)
                    .add(TOKEN_IDS, DataTypes.createArrayType(DataTypes.LongType, false), true)
                    .add(FINISH_REASON, DataTypes.StringType, true)
                    .add(NUM_GENERATED, DataTypes.IntegerType, true)
                    .add(ACCEPTANCE_RATE, DataTypes.DoubleType, true)
                    .add(ERROR, DataTypes.StringType, true);

    private GenerationStruct() {}

    /**
     * Converts a record to a struct value.
     *
     * @param r the record
     * @return a row of {@link #TYPE}
     */
    static Row toRow(GenerationRecord r) {
        List<Long> ids = null;
        if (r.tokenIds() != null) {
            ids = new ArrayList<>(r.tokenIds().length);
            for (long id : r.tokenIds()) {
                ids.add(id);
            }
        }
        return RowFactory.create(
                r.text(),
                ScalaSeqs.of(ids),
                r.finishReason(),
                r.numGenerated(),
                r.acceptanceRate(),
                r.error());
    }

    /**
     * Reads a struct value back.
     *
     * @param row a row of {@link #TYPE}
     * @return the record
     */
    public static GenerationRecord fromRow(Row row) {
        long[] ids = null;
        if (!row.isNullAt(1)) {
            List<Object> list = row.getList(1);
            ids = new long[list.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = ((Number) list.get(i)).longValue();
            }
        }
        return new GenerationRecord(
                row.isNullAt(0) ? null : row.getString(0),
                ids,
                row.isNullAt(2) ? null : row.getString(2),
                row.isNullAt(3) ? null : row.getInt(3),
                row.isNullAt(4) ? null : row.getDouble(4),
                row.isNullAt(5) ? null : row.getString(5));
    }
}
