package org.layerskip.engine;

import org.layerskip.nn.LlamaModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * Chooses the engine that runs a model's requests. The fused engine is built once per model and
 * shared by every request and thread; when it cannot run a model (see {@link FusedEngine#support}),
 * the per-op path runs instead and the reason is logged once.
 */
public final class Engines {

    private static final Logger LOG = LoggerFactory.getLogger(Engines.class);

    /**
     * Per model: its fused engine, or why it has none (a String). Weak: models may be collected.
     */
    private static final Map<LlamaModel, Object> FUSED = new WeakHashMap<>();

    private Engines() {}

    /**
     * Returns the engine for a model.
     *
     * @param model an initialised model
     * @param kind the requested kind, or null for the {@value EngineKind#PROPERTY} default
     * @return the engine
     * @throws IllegalStateException for the per-op engine on a model whose matrices the fused
     *     engine packed and freed (F16 on CPU, see {@link FusedEngine#HALF_KERNEL_PROPERTY})
     */
    public static DecodeEngine of(LlamaModel model, EngineKind kind) {
        EngineKind k = kind != null ? kind : EngineKind.fromProperty();
        if (k == EngineKind.OPS) {
            model.requireMatrices(); // the per-op path needs the matrices as loaded
            return new OpsEngine(model);
        }
        synchronized (FUSED) {
            Object e = FUSED.get(model);
            if (e == null) {
                String why = FusedEngine.support(model);
                if (why == null) {
                    try {
                        e = FusedEngine.create(model);
                    } catch (UnsupportedOperationException ex) {
                        why = ex.getMessage();
                    }
                }
                if (why != null) {
                    LOG.warn("decoding with the per-op engine: {}", why);
                    e = why;
                }
                FUSED.put(model, e);
            }
            return e instanceof FusedEngine ? (FusedEngine) e : new OpsEngine(model);
        }
    }
}
