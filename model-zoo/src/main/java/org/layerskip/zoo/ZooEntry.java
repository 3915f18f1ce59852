package org.layerskip.zoo;

/**
 * One model of the LayerSkip zoo.
 *
 * @param artifactId the zoo id ({@code djl://org.layerskip/<artifactId>}); also the folder name
 *     expected under {@code LAYERSKIP_MODELS}
 * @param hfRepoId the Hugging Face repo to download, or null for a model bundled in the jar
 * @param architecture base architecture, layer count and width, e.g. "Llama3.2 1B, 16 layers"
 * @param exitLayer recommended E for self-speculation (0 = the library default, L/4)
 * @param numSpeculations recommended d (0 = the library default, 4)
 * @param source where E and d come from, and how sure we are
 */
public record ZooEntry(
        String artifactId,
        String hfRepoId,
        String architecture,
        int exitLayer,
        int numSpeculations,
        String source) {

    /**
     * Returns whether the model ships inside the model-zoo jar.
     *
     * @return true for bundled models
     */
    public boolean bundled() {
        return hfRepoId == null;
    }
}
