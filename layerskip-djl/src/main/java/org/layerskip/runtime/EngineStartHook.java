package org.layerskip.runtime;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.engine.EngineProvider;

/**
 * Applies {@link ThreadDefaults} at the one moment every DJL program passes through before an
 * engine loads its native library: DJL's {@link Engine} class instantiates every {@link
 * EngineProvider} on the class path ({@code META-INF/services/ai.djl.engine.EngineProvider}) when
 * it is first used, whether through {@code NDManager.newBaseManager()}, {@code
 * Criteria.loadModel()} or anything else, and loads an engine's native library only later, when
 * that engine is first asked for. Nothing else would run early enough for an application that
 * creates its {@code NDManager} before calling this library.
 *
 * <p>This provider makes no engine of its own: it ranks last (so it is never DJL's default engine)
 * and hands out the default engine if asked by name.
 */
public final class EngineStartHook implements EngineProvider {

    /** The name under which DJL lists this provider. */
    public static final String NAME = "LayerSkipThreadDefaults";

    /** Applies the thread defaults (DJL calls this while it lists the engines). */
    public EngineStartHook() {
        ThreadDefaults.apply();
    }

    /** {@inheritDoc} */
    @Override
    public String getEngineName() {
        return NAME;
    }

    /** {@inheritDoc} */
    @Override
    public int getEngineRank() {
        return Integer.MAX_VALUE;
    }

    /**
     * Returns DJL's default engine: this provider has none of its own.
     *
     * @return the default engine
     * @throws EngineException if no real engine is on the class path
     */
    @Override
    public Engine getEngine() {
        if (NAME.equals(Engine.getDefaultEngineName())) {
            throw new EngineException(
                    "no deep learning engine on the class path (add ai.djl.pytorch:pytorch-engine)");
        }
        return Engine.getInstance();
    }
}
