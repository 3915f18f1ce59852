package org.layerskip.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.layerskip.cache.AttentionGroup;
import org.layerskip.cache.PassPlan;
import org.layerskip.config.LayerAttention;

import java.nio.FloatBuffer;

/**
 * The per-op path's tensor form of a {@link PassPlan}: built once per pass, it holds the rotary
 * tables (shared by every layer), and per attention group the write slots, the read length and the
 * attention bias, as {@link LayerInputs}. The fused engine does the same work inside its one native
 * call instead.
 */
final class PassTensors {

    private final PassPlan plan;
    private final LayerInputs[] byGroup;
    private final NDArray writeRows;

    PassTensors(LlamaModel model, NDManager manager, PassPlan plan) {
        this.plan = plan;
        int b = plan.batchSize();
        int t = plan.tokens();
        DataType dtype = model.dataType();
        long[] positions = plan.positions();
        boolean uniform = plan.uniformStarts();
        int tableRows = uniform ? 1 : b;
        long[][] tablePositions = new long[tableRows][t];
        for (int r = 0; r < tableRows; r++) {
            System.arraycopy(positions, r * t, tablePositions[r], 0, t);
        }
        NDArray[] tables = model.getRope().tables(manager, tablePositions, dtype, false);
        NDArray rotate = model.getRope().rotateHalfMatrix(manager, dtype, false);
        int[] rows = plan.rows();
        long[] rowOfToken = new long[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                rowOfToken[i * t + j] = rows[i];
            }
        }
        writeRows = manager.create(rowOfToken, new Shape(b, t));
        NDArray readRows = plan.allRows() ? null : manager.create(toLongs(rows));
        var state = plan.state();
        AttentionGroup[] groups = state.groups();
        byGroup = new LayerInputs[groups.length];
        for (int l = plan.from(); l < plan.to(); l++) {
            AttentionGroup g = state.group(l);
            if (byGroup[g.index()] != null) {
                continue;
            }
            int s = plan.readLength(g);
            NDArray slots = manager.create(plan.writeSlots(g), new Shape(b, t));
            NDArray bias = null;
            if (g.ring() || g.attention().isLocal() || t > 1 || !uniform) {
                bias = bias(model, manager, g, plan.starts(), t, s, uniform);
            }
            byGroup[g.index()] =
                    new LayerInputs(
                            tables[0], tables[1], rotate, bias, writeRows, slots, readRows, s, 0);
        }
    }

    /** Returns the inputs of a layer's attention group. */
    LayerInputs forLayer(int layer) {
        return byGroup[plan.state().group(layer).index()];
    }

    /** Returns the batch row of each new token {@code (b, T)}. */
    NDArray writeRows() {
        return writeRows;
    }

    private static long[] toLongs(int[] a) {
        long[] l = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            l[i] = a[i];
        }
        return l;
    }

    /**
     * Additive bias {@code (rows, 1, G * T, S)}: the query of row {@code r} at position {@code
     * starts[r] + j} sees slot {@code k} iff the slot holds a position {@code p} ({@link
     * AttentionGroup#positionAt}) that the group's attention kind makes visible. Every query sees
     * at least itself, because its own key was written before attention reads.
     */
    static NDArray bias(
            LlamaModel model,
            NDManager manager,
            AttentionGroup group,
            int[] starts,
            int t,
            int s,
            boolean uniform) {
        int b = uniform ? 1 : starts.length;
        int g = model.getConfig().groupSize();
        LayerAttention kind = group.attention();
        FloatBuffer buf = OwnedArrays.buffer(b * g * t * s);
        float[] row = new float[s];
        long[] pos = new long[s];
        for (int r = 0; r < b; r++) {
            long last = starts[r] + t - 1L;
            for (int k = 0; k < s; k++) {
                pos[k] = group.positionAt(k, last);
            }
            for (int j = 0; j < t; j++) {
                long q = starts[r] + j;
                for (int k = 0; k < s; k++) {
                    row[k] = kind.visible(q, pos[k]) ? 0f : Float.NEGATIVE_INFINITY;
                }
                for (int gi = 0; gi < g; gi++) {
                    buf.position(((r * g + gi) * t + j) * s);
                    buf.put(row);
                }
            }
        }
        buf.rewind();
        NDArray bias = OwnedArrays.floats(manager, buf, new Shape(b, 1, (long) g * t, s), false);
        return model.dataType() == DataType.FLOAT32 ? bias : bias.toType(model.dataType(), false);
    }
}
