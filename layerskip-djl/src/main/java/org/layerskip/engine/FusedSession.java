package org.layerskip.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;

import org.layerskip.cache.AttentionGroup;
import org.layerskip.cache.DecoderState;
import org.layerskip.cache.KvCache;
import org.layerskip.cache.PassPlan;
import org.layerskip.config.LlamaConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One request on the fused engine. The request's buffers (KV caches, exit states, draft
 * distributions) and its constants are turned into IValues once; each pass then costs five native
 * calls: the pass's integers in, the method call, the result out, and two deletes. The host keeps
 * the bookkeeping: {@link PassPlan} validates each pass before the call and records the new fill
 * lengths after it.
 */
final class FusedSession implements EngineSession {

    /** Uniforms and thresholds cross as {@code round(x * 2^53)}: exact for SplittableRandom. */
    private static final double SCALE = 9007199254740992.0;

    private final FusedEngine engine;
    private final DecoderState state;
    private final boolean sampling;
    private final int maxDraft;
    private final int layers;
    private final int vocab;
    private final IValue kv;
    private final IValue cfg;
    private final IValue fc;

    FusedSession(FusedEngine engine, DecoderState state, TokenSampler sampler, int maxDraft) {
        this.engine = engine;
        this.state = state;
        this.sampling = sampler != null;
        this.maxDraft = Math.max(0, maxDraft);
        LlamaConfig c = engine.config();
        this.layers = c.numLayers();
        this.vocab = c.vocabSize();
        List<PtNDArray> buffers = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            KvCache cache = state.layer(l);
            buffers.add((PtNDArray) cache.keys());
            buffers.add((PtNDArray) cache.values());
        }
        buffers.add((PtNDArray) state.exitStates().buffer());
        NDArray q =
                sampling && this.maxDraft > 0
                        ? state.getManager()
                                .zeros(
                                        new Shape(state.batchSize(), this.maxDraft, vocab),
                                        DataType.FLOAT64)
                        : state.getManager().zeros(new Shape(1), DataType.FLOAT64);
        NDScope.unregister(q);
        buffers.add((PtNDArray) q);
        AttentionGroup[] groups = state.groups();
        long[] kinds = engine.layout();
        long[] ints = new long[12 + layers + 4 * groups.length + kinds.length];
        ints[0] = layers;
        ints[1] = c.numHeads();
        ints[2] = c.numKvHeads();
        ints[3] = c.headDim();
        ints[4] = c.hiddenSize();
        ints[5] = c.intermediateSize();
        ints[6] = vocab;
        ints[7] = state.batchSize();
        ints[8] = state.exitStates().capacity();
        ints[9] = groups.length;
        ints[10] = sampling ? sampler.topK() : 0;
        ints[11] = sampling ? 1 : 0;
        for (int l = 0; l < layers; l++) {
            ints[12 + l] = state.group(l).index();
        }
        for (AttentionGroup g : groups) {
            int at = 12 + layers + 4 * g.index();
            ints[at] = g.attention().kind().ordinal();
            ints[at + 1] = g.attention().size();
            ints[at + 2] = g.capacity();
            ints[at + 3] = g.ring() ? 1 : 0;
        }
        System.arraycopy(kinds, 0, ints, 12 + layers + 4 * groups.length, kinds.length);
        double[] floats = {
            c.rmsNormEps(), sampling ? sampler.temperature() : 1.0, sampling ? sampler.topP() : 1.0
        };
        this.kv = IValue.listFrom(buffers.toArray(new PtNDArray[0]));
        state.attach(kv);
        this.cfg = IValue.listFrom(ints);
        state.attach(cfg);
        this.fc = IValue.listFrom(floats);
        state.attach(fc);
    }

    /** {@inheritDoc} */
    @Override
    public long[] forward(
            int[] rows, long[] ids, int tokens, int exitLayer, int[] pickAt, double[] uniforms) {
        checkExit(exitLayer, layers);
        double[] r = pass(rows, ids, tokens, 0, exitLayer, false, 1, pickAt, uniforms);
        return tokens(r, rows.length);
    }

    /** {@inheritDoc} */
    @Override
    public long[] forwardEarly(int[] rows, long[] ids, int exitLayer, double[] uniforms) {
        checkExit(exitLayer, layers - 1);
        double[] r = pass(rows, ids, 1, 0, exitLayer, true, 1, new int[rows.length], uniforms);
        return tokens(r, rows.length);
    }

    /** {@inheritDoc} */
    @Override
    public long[][] forwardRemainder(int[] rows, int tokens, int exitLayer) {
        checkExit(exitLayer, layers - 1);
        double[] r = pass(rows, null, tokens, exitLayer, layers, false, 2, null, null);
        long[][] out = new long[rows.length][tokens];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < tokens; j++) {
                out[i][j] = (long) r[1 + i * tokens + j];
            }
        }
        return out;
    }

    /** {@inheritDoc} */
    @Override
    public float[][][] logits(int[] rows, long[] ids, int tokens, int exitLayer) {
        checkExit(exitLayer, layers);
        double[] r = pass(rows, ids, tokens, 0, exitLayer, false, 3, null, null);
        float[][][] out = new float[rows.length][tokens][vocab];
        int k = 1;
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < tokens; j++) {
                for (int v = 0; v < vocab; v++) {
                    out[i][j][v] = (float) r[k++];
                }
            }
        }
        return out;
    }

    /**
     * One {@code step} call: {@code tokens} per row over layers {@code [from, to)}, from ids or
     * (when {@code ids} is null) from the stored exit states.
     */
    private double[] pass(
            int[] rows,
            long[] ids,
            int tokens,
            int from,
            int to,
            boolean store,
            int output,
            int[] pickAt,
            double[] uniforms) {
        PassPlan plan = PassPlan.of(state, rows, from, to, tokens);
        int b = rows.length;
        if (ids != null && ids.length != (long) b * tokens) {
            throw new IllegalArgumentException(
                    "need " + b + " x " + tokens + " token ids, got " + ids.length);
        }
        boolean pick = output == 1;
        if (pick && (pickAt == null || pickAt.length != b)) {
            throw new IllegalArgumentException("need one pick position per row");
        }
        boolean draws = pick && sampling;
        if (draws && (uniforms == null || uniforms.length != b)) {
            throw new IllegalArgumentException("sampling needs one uniform per row");
        }
        long[] p =
                new long
                        [8
                                + 2 * b
                                + (ids == null ? 0 : b * tokens)
                                + (pick ? b : 0)
                                + (draws ? b : 0)];
        p[0] = b;
        p[1] = tokens;
        p[2] = from;
        p[3] = to;
        p[4] = ids == null ? 1 : 0;
        p[5] = store ? 1 : 0;
        p[6] = output;
        p[7] = plan.allRows() ? 1 : 0;
        int o = 8;
        int[] starts = plan.starts();
        for (int i = 0; i < b; i++) {
            p[o + i] = rows[i];
            p[o + b + i] = starts[i];
        }
        o += 2 * b;
        if (ids != null) {
            for (long id : ids) {
                checkId(id);
                p[o++] = id;
            }
        }
        if (pick) {
            for (int i = 0; i < b; i++) {
                if (pickAt[i] < 0 || pickAt[i] >= tokens) {
                    throw new IllegalArgumentException(
                            "pick position " + pickAt[i] + " outside [0, " + tokens + ")");
                }
                p[o++] = pickAt[i];
            }
        }
        if (draws) {
            for (double u : uniforms) {
                p[o++] = uniform(u);
            }
        }
        double[] r = call("step", p);
        plan.commit();
        return r;
    }

    private static long[] tokens(double[] r, int b) {
        long[] out = new long[b];
        for (int i = 0; i < b; i++) {
            out[i] = (long) r[1 + i];
        }
        return out;
    }

    private static void checkExit(int exitLayer, int max) {
        if (exitLayer < 1 || exitLayer > max) {
            throw new IllegalArgumentException(
                    "exit layer must be in [1, " + max + "], got " + exitLayer);
        }
    }

    /** {@inheritDoc} */
    @Override
    public DraftRound speculate(DraftRequest q) {
        int[] rows = q.rows();
        int b = rows.length;
        int exit = q.exitLayer();
        if (exit < 1 || exit >= layers) {
            throw new IllegalArgumentException(
                    "exit layer for drafting must be in [1, " + (layers - 1) + "], got " + exit);
        }
        int dmax = q.maxBudget();
        if (dmax > maxDraft) {
            throw new IllegalArgumentException(
                    "a draft budget of " + dmax + " exceeds the session's " + maxDraft);
        }
        PassPlan check =
                PassPlan.of(state, rows, 0, layers, dmax + 1); // validates before native work
        int[] starts = check.starts();
        long[] eos = q.eos();
        long threshold =
                q.confidenceThreshold() > 0
                        ? Math.max(1, uniform(Math.min(1.0, q.confidenceThreshold())))
                        : 0;
        int n = 7 + 4 * b + eos.length + (sampling ? b * dmax + b * (dmax + 1) : 0);
        long[] p = new long[n];
        p[0] = b;
        p[1] = exit;
        p[2] = dmax;
        p[3] = q.reuseExitStates() ? 1 : 0;
        p[4] = check.allRows() ? 1 : 0;
        p[5] = threshold;
        p[6] = eos.length;
        int o = 7;
        for (int i = 0; i < b; i++) {
            checkId(q.last()[i]);
            p[o + i] = rows[i];
            p[o + b + i] = starts[i];
            p[o + 2 * b + i] = q.last()[i];
            p[o + 3 * b + i] = q.budgets()[i];
        }
        o += 4 * b;
        for (long e : eos) {
            p[o++] = e;
        }
        if (sampling) {
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < dmax; j++) {
                    p[o++] = uniform(q.draftUniforms()[i][j]);
                }
            }
            for (int i = 0; i < b; i++) {
                for (int j = 0; j <= dmax; j++) {
                    p[o++] = uniform(q.residualUniforms()[i][j]);
                }
            }
        }
        double[] r = call("speculate", p);
        int steps = (int) r[1];
        PassPlan.of(state, rows, 0, layers, steps + 1).commit();
        int at = 2;
        int[] counts = new int[b];
        for (int i = 0; i < b; i++) {
            counts[i] = (int) r[at++];
        }
        long[][] drafts = new long[b][];
        for (int i = 0; i < b; i++) {
            drafts[i] = new long[counts[i]];
            for (int j = 0; j < counts[i]; j++) {
                drafts[i][j] = (long) r[at + i * steps + j];
            }
        }
        at += b * steps;
        long[][] verified = new long[b][];
        for (int i = 0; i < b; i++) {
            verified[i] = new long[counts[i] + 1];
            for (int j = 0; j <= counts[i]; j++) {
                verified[i][j] = (long) r[at + i * (steps + 1) + j];
            }
        }
        at += b * (steps + 1);
        if (!sampling) {
            return new DraftRound(steps, drafts, verified, null, null);
        }
        double[][] target = new double[b][];
        double[][] proposal = new double[b][];
        for (int i = 0; i < b; i++) {
            target[i] = Arrays.copyOfRange(r, at + i * steps, at + i * steps + counts[i]);
            proposal[i] =
                    Arrays.copyOfRange(
                            r, at + b * steps + i * steps, at + b * steps + i * steps + counts[i]);
        }
        return new DraftRound(steps, drafts, verified, target, proposal);
    }

    /** Runs a method with this request's arguments plus the pass's integers; checks the status. */
    private double[] call(String method, long[] pass) {
        double[] r;
        try (IValue p = IValue.listFrom(pass);
                IValue out =
                        engine.runPass(
                                method, engine.weights(), engine.packedBlocks(), kv, cfg, fc, p)) {
            r = out.toDoubleArray();
        }
        if (r.length == 0 || r[0] != 0) {
            throw new NonFiniteLogitsException("fused engine, " + method);
        }
        return r;
    }

    private void checkId(long id) {
        if (id < 0 || id >= vocab) {
            throw new IllegalArgumentException(
                    "token id " + id + " is outside the vocabulary [0, " + vocab + ")");
        }
    }

    private static long uniform(double u) {
        if (!(u >= 0 && u < 1)) {
            throw new IllegalArgumentException("uniforms must be in [0, 1), got " + u);
        }
        return (long) (u * SCALE);
    }

    /** {@inheritDoc} */
    @Override
    public void close() {}
}
