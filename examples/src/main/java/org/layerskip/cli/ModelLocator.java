package org.layerskip.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns the {@code --model} argument into a local model folder.
 *
 * <p>Today only Hugging Face Llama folders are accepted. This is the hook where model-zoo ids and the
 * bundled default model ({@value #DEFAULT_MODEL}) will be resolved.
 */
public final class ModelLocator {

    /** The {@code --model} default. */
    public static final String DEFAULT_MODEL = "tiny-layerskip";

    private ModelLocator() {}

    /**
     * Resolves a model argument.
     *
     * @param model a folder path (later also a model-zoo id)
     * @return the model folder
     * @throws IllegalArgumentException with a one-line message listing what is accepted
     */
    public static Path resolve(String model) {
        Path dir = Path.of(model);
        if (Files.isDirectory(dir)) {
            return dir;
        }
        if (Files.exists(dir)) {
            throw new IllegalArgumentException(
                    "model '" + model + "' is a file; give the folder that holds config.json");
        }
        throw new IllegalArgumentException(
                "model '"
                        + model
                        + "' not found: --model accepts a Hugging Face Llama folder"
                        + " (config.json + *.safetensors); model-zoo ids and the bundled '"
                        + DEFAULT_MODEL
                        + "' model are not available yet");
    }
}
