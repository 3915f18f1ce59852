package org.layerskip.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;

import org.layerskip.cache.DecoderState;
import org.layerskip.cache.PassPlan;
import org.layerskip.nn.LlamaModel;

import java.util.ArrayList;
import java.util.List;

/** One request on the per-op path: passes composed from {@link LlamaModel}'s entry points. */
final class OpsSession implements EngineSession {

    private final LlamaModel model;
    private final DecoderState state;
    private final TokenSampler sampler;
    private final ParameterStore ps;
    private final NDManager manager;
    private final int layers;

    OpsSession(LlamaModel model, DecoderState state, TokenSampler sampler) {
        this.model = model;
        this.state = state;
        this.sampler = sampler;
        this.manager = state.getManager();
        this.ps = new ParameterStore(manager, false);
        this.layers = model.numLayers();
    }

    /** {@inheritDoc} */
    @Override
    public long[] forward(
            int[] rows, long[] ids, int tokens, int exitLayer, int[] pickAt, double[] uniforms) {
        try (NDScope ignored = new NDScope()) {
            PassPlan plan = PassPlan.of(state, rows, 0, exitLayer, tokens);
            NDArray h = model.embed(ps, manager, ids, rows.length, tokens);
            h = model.runLayers(ps, h, plan, false);
            return choose(model.head(ps, h, pickAt), uniforms); // (b, 1, V) logits
        }
    }

    /** {@inheritDoc} */
    @Override
    public long[] forwardEarly(int[] rows, long[] ids, int exitLayer, double[] uniforms) {
        try (NDScope ignored = new NDScope()) {
            PassPlan plan = PassPlan.of(state, rows, 0, exitLayer, 1);
            NDArray h = model.embed(ps, manager, ids, rows.length, 1);
            return choose(model.head(ps, model.runLayers(ps, h, plan, true)), uniforms);
        }
    }

    /** {@inheritDoc} */
    @Override
    public long[][] forwardRemainder(int[] rows, int tokens, int exitLayer) {
        try (NDScope ignored = new NDScope()) {
            PassPlan plan = PassPlan.of(state, rows, exitLayer, layers, tokens);
            NDArray h = model.runLayers(ps, model.readExitStates(plan), plan, false);
            return greedy(model.head(ps, h));
        }
    }

    /** {@inheritDoc} */
    @Override
    public float[][][] logits(int[] rows, long[] ids, int tokens, int exitLayer) {
        try (NDScope ignored = new NDScope()) {
            PassPlan plan = PassPlan.of(state, rows, 0, exitLayer, tokens);
            NDArray h =
                    model.runLayers(
                            ps, model.embed(ps, manager, ids, rows.length, tokens), plan, false);
            NDArray logits = model.head(ps, h).toType(DataType.FLOAT32, false);
            int v = (int) logits.getShape().get(2);
            float[] flat = logits.toFloatArray();
            float[][][] out = new float[rows.length][tokens][v];
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < tokens; j++) {
                    System.arraycopy(flat, (i * tokens + j) * v, out[i][j], 0, v);
                }
            }
            return out;
        }
    }

    /** Chooses one token per row from {@code (b, 1, V)} logits. */
    private long[] choose(NDArray logits, double[] uniforms) {
        int b = (int) logits.getShape().get(0);
        long[] out = new long[b];
        if (sampler == null) {
            long[][] g = greedy(logits);
            for (int r = 0; r < b; r++) {
                out[r] = g[r][0];
            }
            return out;
        }
        double[][][] d = distributions(logits);
        for (int r = 0; r < b; r++) {
            out[r] = TokenSampler.sample(d[r][0], uniforms[r]);
        }
        return out;
    }

    /** {@inheritDoc} */
    @Override
    public DraftRound speculate(DraftRequest q) {
        int[] rows = q.rows();
        int b = rows.length;
        int exit = q.exitLayer();
        int[] n = new int[b];
        for (int i = 0; i < b; i++) {
            n[i] = state.length(0, rows[i]);
        }
        long[] cur = q.last().clone();
        List<List<Long>> drafts = new ArrayList<>();
        List<List<double[]>> proposals = new ArrayList<>();
        boolean[] drafting = new boolean[b];
        for (int i = 0; i < b; i++) {
            drafts.add(new ArrayList<>());
            proposals.add(new ArrayList<>());
            drafting[i] = q.budgets()[i] > 0;
        }
        int steps = 0;
        while (any(drafting)) {
            try (NDScope ignored = new NDScope()) {
                PassPlan plan = PassPlan.of(state, rows, 0, exit, 1);
                NDArray h = model.embed(ps, manager, cur, b, 1);
                NDArray logits = model.head(ps, model.runLayers(ps, h, plan, true)); // (b, 1, V)
                long[][] ids = sampler == null ? greedy(logits) : null;
                double[][][] dists = sampler == null ? null : distributions(logits);
                float[] confidence = q.confidenceThreshold() > 0 ? confidence(logits) : null;
                for (int i = 0; i < b; i++) {
                    if (!drafting[i]) {
                        continue; // keeps feeding its last draft; ignored
                    }
                    long d;
                    if (ids != null) {
                        d = ids[i][0];
                    } else {
                        d = TokenSampler.sample(dists[i][0], q.draftUniforms()[i][steps]);
                        proposals.get(i).add(dists[i][0]);
                    }
                    drafts.get(i).add(d);
                    cur[i] = d;
                    if (contains(q.eos(), d)
                            || drafts.get(i).size() >= q.budgets()[i]
                            || (confidence != null && confidence[i] < q.confidenceThreshold())) {
                        drafting[i] = false;
                    }
                }
            }
            steps++;
        }
        try (NDScope ignored = new NDScope()) {
            NDArray h;
            if (q.reuseExitStates()) {
                // Only the last draft still needs layers 0..E-1; the upper layers resume from the
                // exit states the drafts stored (the KVQ cache).
                PassPlan lower = PassPlan.of(state, rows, 0, exit, 1);
                model.runLayers(ps, model.embed(ps, manager, cur, b, 1), lower, true);
                PassPlan upper = PassPlan.of(state, rows, exit, layers, steps + 1);
                h = model.runLayers(ps, model.readExitStates(upper), upper, false);
            } else {
                // Ablation: every layer again over x, d1..d_steps (same slots, same values).
                long[] ids = new long[b * (steps + 1)];
                for (int i = 0; i < b; i++) {
                    state.truncate(rows[i], n[i]);
                    ids[i * (steps + 1)] = q.last()[i];
                    List<Long> dr = drafts.get(i);
                    for (int j = 1; j <= steps; j++) {
                        ids[i * (steps + 1) + j] = j <= dr.size() ? dr.get(j - 1) : cur[i];
                    }
                }
                PassPlan all = PassPlan.of(state, rows, 0, layers, steps + 1);
                h = model.runLayers(ps, model.embed(ps, manager, ids, b, steps + 1), all, false);
            }
            NDArray logits = model.head(ps, h); // (b, steps + 1, V)
            long[][] draftOut = new long[b][];
            long[][] verified = new long[b][];
            for (int i = 0; i < b; i++) {
                draftOut[i] = toArray(drafts.get(i));
            }
            if (sampler == null) {
                long[][] g = greedy(logits);
                for (int i = 0; i < b; i++) {
                    verified[i] = java.util.Arrays.copyOf(g[i], draftOut[i].length + 1);
                }
                return new DraftRound(steps, draftOut, verified, null, null);
            }
            double[][][] p = distributions(logits);
            double[][] target = new double[b][];
            double[][] proposal = new double[b][];
            for (int i = 0; i < b; i++) {
                int k = draftOut[i].length;
                target[i] = new double[k];
                proposal[i] = new double[k];
                verified[i] = new long[k + 1];
                for (int j = 0; j <= k; j++) {
                    double u = q.residualUniforms()[i][j];
                    if (j < k) {
                        int d = (int) draftOut[i][j];
                        double[] qd = proposals.get(i).get(j);
                        target[i][j] = p[i][j][d];
                        proposal[i][j] = qd[d];
                        verified[i][j] = TokenSampler.sample(TokenSampler.residual(p[i][j], qd), u);
                    } else {
                        verified[i][j] = TokenSampler.sample(p[i][j], u);
                    }
                }
            }
            return new DraftRound(steps, draftOut, verified, target, proposal);
        }
    }

    /** Argmax at every position {@code [b][T]}, after checking the maxima are finite. */
    private static long[][] greedy(NDArray logits) {
        int b = (int) logits.getShape().get(0);
        int t = (int) logits.getShape().get(1);
        float[] max = logits.max(new int[] {2}).toType(DataType.FLOAT32, false).toFloatArray();
        for (float m : max) {
            if (!Float.isFinite(m)) {
                throw new NonFiniteLogitsException("greedy choice, per-op engine");
            }
        }
        long[] flat = logits.argMax(2).toLongArray();
        long[][] out = new long[b][t];
        for (int r = 0; r < b; r++) {
            System.arraycopy(flat, r * t, out[r], 0, t);
        }
        return out;
    }

    /** The sampler's distributions at every position {@code [b][T][V]}. */
    private double[][][] distributions(NDArray logits) {
        int b = (int) logits.getShape().get(0);
        int t = (int) logits.getShape().get(1);
        int v = (int) logits.getShape().get(2);
        float[] all =
                logits.getDataType() == DataType.FLOAT32
                        ? logits.toFloatArray()
                        : logits.toType(DataType.FLOAT32, false).toFloatArray();
        for (float x : all) {
            if (!Float.isFinite(x)) {
                throw new NonFiniteLogitsException("sampling, per-op engine");
            }
        }
        double[][][] out = new double[b][t][];
        float[] row = new float[v];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < t; i++) {
                System.arraycopy(all, (r * t + i) * v, row, 0, v);
                out[r][i] = sampler.distribution(row);
            }
        }
        return out;
    }

    /** Top probability of each row's draft distribution (adaptive drafting). */
    private static float[] confidence(NDArray logits) {
        return logits.softmax(2).max(new int[] {2}).toType(DataType.FLOAT32, false).toFloatArray();
    }

    private static boolean any(boolean[] a) {
        for (boolean x : a) {
            if (x) {
                return true;
            }
        }
        return false;
    }

    static boolean contains(long[] a, long x) {
        for (long y : a) {
            if (y == x) {
                return true;
            }
        }
        return false;
    }

    private static long[] toArray(List<Long> l) {
        long[] a = new long[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }

    /** {@inheritDoc} */
    @Override
    public void close() {}
}
