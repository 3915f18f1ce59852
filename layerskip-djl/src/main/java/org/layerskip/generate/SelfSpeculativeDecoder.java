package org.layerskip.generate;

import ai.djl.ndarray.NDManager;

import org.layerskip.cache.DecoderState;
import org.layerskip.engine.DecodeEngine;
import org.layerskip.engine.DraftRequest;
import org.layerskip.engine.DraftRound;
import org.layerskip.engine.EngineSession;
import org.layerskip.generate.SpeculativeAcceptor.Acceptance;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.ModelGuard;

import java.util.ArrayList;
import java.util.List;

/**
 * LayerSkip self-speculative decoding (Elhoushi et al. 2024, §4.3) with one KV cache and the
 * exit-layer hidden states ("KVQ cache").
 *
 * <p>One round, with {@code n} slots committed in every layer and the last output token {@code x}
 * at slot {@code n} not yet processed:
 *
 * <ol>
 *   <li><b>Draft</b> ({@code forwardEarly}): feed {@code x, d1, d2, ...} one at a time through
 *       layers {@code 0..E-1} and the shared exit head, writing their keys/values into the shared
 *       cache and their exit-layer hidden states into the exit-state cache, to propose up to {@code
 *       d} tokens.
 *   <li><b>Verify</b> ({@code forwardRemainder}): the last draft runs through layers {@code 0..E-1}
 *       (the only token that still needs them), then layers {@code E..L-1} run once over all {@code
 *       k + 1} stored exit states, giving the full model's prediction after each token.
 *   <li><b>Accept</b> ({@link SpeculativeAcceptor}) the matching prefix plus the verifier's next
 *       token (greedy), or apply exact speculative sampling.
 *   <li><b>Roll back</b> by truncating the state to the accepted slots: no copy, no second cache.
 * </ol>
 *
 * The engine runs steps 1-2 (the fused engine in one native call); greedy output is token-for-token
 * the full model's, sampled output has the full model's distribution.
 */
final class SelfSpeculativeDecoder {

    private final LlamaModel model;
    private final DecodeEngine engine;
    private final NDManager request;
    private final GenerationOptions options;
    private final int exit;
    private final int numSpeculations;
    private final List<Long> eos;
    private final long[] eosIds;
    private final TokenListener listener;
    private final ModelGuard.Lease lease;

    SelfSpeculativeDecoder(
            LlamaModel model,
            DecodeEngine engine,
            NDManager request,
            GenerationOptions options,
            int exit,
            int numSpeculations,
            List<Long> eos,
            TokenListener listener,
            ModelGuard.Lease lease) {
        this.model = model;
        this.engine = engine;
        this.request = request;
        this.options = options;
        this.exit = exit;
        this.numSpeculations = numSpeculations;
        this.eos = eos;
        this.eosIds = eos.stream().mapToLong(Long::longValue).toArray();
        this.listener = listener;
        this.lease = lease;
    }

    List<GenerationResult> generate(long[][] prompts) {
        int b = prompts.length;
        int maxNew = options.maxNewTokens();
        int maxPrompt = 0;
        for (long[] p : prompts) {
            maxPrompt = Math.max(maxPrompt, p.length);
        }
        Picker picker = new Picker(options, b);
        BatchOutputs out = new BatchOutputs(b, maxNew, eos, listener);
        long[][] stats = new long[b][4]; // drafted, accepted, verifications, round nanos
        long start = System.nanoTime();
        long prefillNanos;
        long kvBytes;
        int chunk = BatchPrefill.chunk(model, maxPrompt);
        int lookAhead = Math.min(numSpeculations, maxNew); // d may exceed what is ever drafted
        int maxPass = Math.max(chunk, lookAhead + 1);
        try (DecoderState state =
                        model.newState(request, b, maxPrompt + maxNew + lookAhead + 1, maxPass);
                EngineSession session = engine.open(state, picker.sampler(), lookAhead)) {
            kvBytes = state.kvBytes();
            long[] first =
                    BatchPrefill.run(
                            session, state, prompts, model.numLayers(), picker, chunk, lease);
            prefillNanos = System.nanoTime() - start;
            for (int r = 0; r < b; r++) {
                out.emit(r, first[r], TokenKind.PLAIN);
            }
            int[] rows;
            while ((rows = out.activeRows()).length > 0) {
                lease.check();
                round(session, state, rows, picker, out, stats, lookAhead);
            }
        }
        long decodeNanos = System.nanoTime() - start - prefillNanos;
        List<GenerationResult> results = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            results.add(
                    new GenerationResult(
                            out.tokens(r),
                            out.reason(r),
                            DecodingStrategy.SELF_SPECULATIVE,
                            exit,
                            numSpeculations,
                            prompts[r].length,
                            prefillNanos,
                            decodeNanos,
                            new SpeculationStats(
                                    stats[r][0], stats[r][1], stats[r][2], stats[r][3]),
                            kvBytes,
                            engine.kind()));
        }
        return results;
    }

    /**
     * One round over the active rows: draft and verify (one engine call), accept, roll back, emit.
     */
    private void round(
            EngineSession session,
            DecoderState state,
            int[] rows,
            Picker picker,
            BatchOutputs out,
            long[][] stats,
            int lookAhead) {
        int[] n = new int[rows.length]; // committed slots; each row's last token goes to slot n
        long[] last = new long[rows.length];
        int[] budgets = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            n[i] = state.length(0, rows[i]);
            last[i] = out.last(rows[i]);
            budgets[i] = Math.min(numSpeculations, out.remaining(rows[i]) - 1);
        }
        double[][] acceptU = picker.uniforms(rows, lookAhead);
        long t0 = System.nanoTime();
        DraftRound dr =
                session.speculate(
                        new DraftRequest(
                                rows,
                                last,
                                budgets,
                                exit,
                                eosIds,
                                options.confidenceThreshold(),
                                picker.uniforms(rows, lookAhead),
                                picker.uniforms(rows, lookAhead + 1),
                                options.reuseExitStates()));
        long nanos = System.nanoTime() - t0;
        for (int i = 0; i < rows.length; i++) {
            int r = rows[i];
            long[] drafts = dr.drafts()[i];
            if (drafts.length > 0) {
                listener.onDraft(r, drafts);
            }
            Acceptance a = SpeculativeAcceptor.accept(dr, i, acceptU == null ? null : acceptU[i]);
            state.truncate(r, n[i] + a.accepted() + 1); // keep x and the accepted drafts
            long[] s = stats[r];
            s[0] += drafts.length;
            s[1] += a.accepted();
            s[2]++;
            s[3] += nanos;
            out.emitRound(r, drafts, a);
        }
    }
}
