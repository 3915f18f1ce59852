package org.layerskip.zoo;

import ai.djl.repository.zoo.ModelZoo;

import java.util.Set;

/**
 * The LayerSkip model zoo, group id {@code org.layerskip}: the bundled {@code tiny-layerskip} and
 * {@code tiny-baseline}, and the published {@code facebook/layerskip-*} checkpoints (loaded from a
 * folder the user downloaded). See {@link ZooCatalog} and {@link LayerSkipModels}.
 *
 * <pre>{@code
 * Criteria<String, String> c = Criteria.builder()
 *         .setTypes(String.class, String.class)
 *         .optModelUrls("djl://org.layerskip/tiny-layerskip")   // or optGroupId + optArtifactId
 *         .build();
 * }</pre>
 */
public final class LayerSkipModelZoo extends ModelZoo {

    /** The group id. */
    public static final String GROUP_ID = "org.layerskip";

    /** Registers every catalogue entry. Nothing is read from disk here. */
    public LayerSkipModelZoo() {
        for (ZooEntry e : ZooCatalog.ENTRIES) {
            addModel(new LayerSkipModelLoader(e));
        }
    }

    /** {@inheritDoc} */
    @Override
    public String getGroupId() {
        return GROUP_ID;
    }

    /** {@inheritDoc} */
    @Override
    public Set<String> getSupportedEngines() {
        return Set.of("PyTorch");
    }
}
