package org.layerskip.zoo;

import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooProvider;

/** Registers {@link LayerSkipModelZoo} with DJL (via {@code META-INF/services}). */
public final class LayerSkipZooProvider implements ZooProvider {

    /** {@inheritDoc} */
    @Override
    public ModelZoo getModelZoo() {
        return new LayerSkipModelZoo();
    }
}
