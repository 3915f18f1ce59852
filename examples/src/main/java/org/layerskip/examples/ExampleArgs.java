package org.layerskip.examples;

import ai.djl.repository.zoo.Criteria;

import org.layerskip.translate.GenerationRequest;
import org.layerskip.translate.GenerationResponse;
import org.layerskip.translate.LayerSkipTranslatorFactory;
import org.layerskip.zoo.LayerSkipModelZoo;
import org.layerskip.zoo.LayerSkipModels;
import org.layerskip.zoo.ZooCatalog;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;

/** {@code --name value} arguments shared by the examples, and the Criteria they build. */
final class ExampleArgs {

    private final Map<String, String> values = new HashMap<>();

    ExampleArgs(String... args) {
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            values.put(args[i].substring(2), args[++i]);
        }
    }

    String get(String name, String def) {
        return values.getOrDefault(name, def);
    }

    int getInt(String name, int def) {
        return Integer.parseInt(get(name, Integer.toString(def)));
    }

    /**
     * Criteria for {@code --model}: a zoo id goes through the zoo (recommended E/d included), a
     * folder through {@link LayerSkipTranslatorFactory#configure}.
     */
    Criteria.Builder<GenerationRequest, GenerationResponse> criteria() {
        String model = get("model", "tiny-layerskip");
        Criteria.Builder<GenerationRequest, GenerationResponse> b =
                Criteria.builder().setTypes(GenerationRequest.class, GenerationResponse.class);
        if (!Files.isDirectory(Paths.get(model)) && ZooCatalog.find(model).isPresent()) {
            return b.optGroupId(LayerSkipModelZoo.GROUP_ID)
                    .optArtifactId(ZooCatalog.find(model).get().artifactId());
        }
        return LayerSkipTranslatorFactory.configure(b).optModelPath(LayerSkipModels.resolve(model));
    }
}
