package org.layerskip.cli;

import org.layerskip.zoo.LayerSkipModels;

import java.nio.file.Path;

/**
 * Turns the {@code --model} argument into a local model folder: a Hugging Face Llama folder, a
 * model-zoo id ({@code tiny-layerskip}, {@code tiny-baseline}, {@code layerskip-llama3.2-1B}, ...),
 * a {@code facebook/...} repo id or a {@code djl://org.layerskip/...} URL, through {@link
 * LayerSkipModels#resolve(String)}.
 */
public final class ModelLocator {

    /** The {@code --model} default: the bundled LayerSkip model. */
    public static final String DEFAULT_MODEL = "tiny-layerskip";

    private ModelLocator() {}

    /**
     * Resolves a model argument.
     *
     * @param model a folder path or a model-zoo id
     * @return the model folder
     * @throws IllegalArgumentException with a one-line message listing what is accepted, or what to
     *     download for a published checkpoint that is not on this machine
     */
    public static Path resolve(String model) {
        try {
            return LayerSkipModels.resolve(model);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
