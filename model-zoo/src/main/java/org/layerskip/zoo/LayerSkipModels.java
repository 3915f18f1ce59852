package org.layerskip.zoo;

import org.layerskip.io.SpeculationDefaults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Turns a zoo id or a path into a local model folder — what the CLI's {@code --model} and the zoo's
 * loader use.
 *
 * <p>Order: (1) an existing folder path is used as is; (2) for a zoo id ({@code tiny-layerskip},
 * {@code layerskip-llama3.2-1B}, {@code facebook/layerskip-llama3.2-1B}, {@code
 * djl://org.layerskip/...}): the {@code modelDir} argument (the model folder itself, or a folder
 * holding {@code <id>/}); then {@code $LAYERSKIP_MODELS/<id>} (or {@code -Dlayerskip.models});
 * then, for bundled models, the copy inside the jar. A published model that is found nowhere gives
 * an error saying which Hugging Face repo to download and where to put it.
 */
public final class LayerSkipModels {

    /** Environment variable naming a folder with one subfolder per zoo id. */
    public static final String ENV = "LAYERSKIP_MODELS";

    /** System property equivalent of {@link #ENV} (wins over it). */
    public static final String PROPERTY = "layerskip.models";

    /** The zoo's {@code djl://} URL prefix. */
    public static final String URL_PREFIX = "djl://" + LayerSkipModelZoo.GROUP_ID + "/";

    private LayerSkipModels() {}

    /**
     * Resolves an id or path.
     *
     * @param idOrPath a zoo id, HF repo id, {@code djl://} URL or folder
     * @return the model folder (holding {@code config.json})
     * @throws IllegalArgumentException for an unknown id or a folder without {@code config.json}
     * @throws IllegalStateException when a known model is not on this machine (the message says
     *     what to download)
     */
    public static Path resolve(String idOrPath) {
        return resolve(idOrPath, Map.of());
    }

    /**
     * Resolves an id or path, honouring a {@code modelDir} argument.
     *
     * @param idOrPath a zoo id, HF repo id, {@code djl://} URL or folder
     * @param arguments Criteria arguments; {@code modelDir} is used when present
     * @return the model folder
     */
    public static Path resolve(String idOrPath, Map<String, ?> arguments) {
        Path asPath = tryPath(idOrPath);
        if (asPath != null && Files.isDirectory(asPath)) {
            return checkFolder(asPath, idOrPath);
        }
        ZooEntry e =
                ZooCatalog.find(zooId(idOrPath))
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "'"
                                                        + idOrPath
                                                        + "' is neither a model folder nor a zoo id;"
                                                        + " zoo ids: "
                                                        + ZooCatalog.ENTRIES.stream()
                                                                .map(ZooEntry::artifactId)
                                                                .collect(
                                                                        Collectors.joining(", "))));
        return resolve(e, arguments);
    }

    /**
     * Returns the zoo entry an argument names, the way {@link #resolve(String)} reads it: empty for
     * an existing folder (whatever its name) and for anything that is not a zoo id.
     *
     * @param idOrPath a zoo id, HF repo id, {@code djl://} URL or folder
     * @return the entry, if the argument is a zoo id
     */
    public static Optional<ZooEntry> entry(String idOrPath) {
        Path asPath = tryPath(idOrPath);
        if (asPath != null && Files.isDirectory(asPath)) {
            return Optional.empty();
        }
        return ZooCatalog.find(zooId(idOrPath));
    }

    /**
     * Chooses the default E and d of a model loaded by id or path, by the one rule of {@link
     * SpeculationDefaults}: the folder's {@code layerskip.json}, then the zoo entry's
     * recommendation (when {@code idOrPath} names a zoo entry), then the library's E = L/4 and d =
     * 4. What the CLI, the server, Spark executors and LangChain4j use; Criteria loading applies
     * the same rule in {@code LlamaBlockFactory}, to which the zoo passes its entry's
     * recommendation.
     *
     * @param idOrPath what the user gave (a zoo id or a folder)
     * @param dir the folder it resolved to
     * @param numLayers L of the loaded model
     * @return the defaults
     * @throws IllegalArgumentException naming the file when {@code layerskip.json} is malformed
     */
    public static SpeculationDefaults speculationDefaults(
            String idOrPath, Path dir, int numLayers) {
        return speculationDefaults(idOrPath, dir, numLayers, null);
    }

    /**
     * Chooses the default E and d for one task ({@code layerskip sweep --task} records them), then
     * as {@link #speculationDefaults(String, Path, int)}.
     *
     * @param idOrPath what the user gave (a zoo id or a folder)
     * @param dir the folder it resolved to
     * @param numLayers L of the loaded model
     * @param task the task name, or null for the model's defaults
     * @return the defaults
     * @throws IllegalArgumentException naming the file when {@code layerskip.json} is malformed
     */
    public static SpeculationDefaults speculationDefaults(
            String idOrPath, Path dir, int numLayers, String task) {
        Optional<ZooEntry> e = entry(idOrPath);
        return SpeculationDefaults.resolve(
                dir,
                numLayers,
                task,
                e.map(ZooEntry::exitLayer).orElse(0),
                e.map(ZooEntry::numSpeculations).orElse(0),
                e.map(z -> "zoo entry " + z.artifactId()).orElse(null));
    }

    /** The zoo id in an id, a {@code djl://} URL (query and version dropped) or a repo id. */
    private static String zooId(String idOrPath) {
        String id =
                idOrPath.startsWith(URL_PREFIX)
                        ? idOrPath.substring(URL_PREFIX.length())
                        : idOrPath;
        int q = id.indexOf('?');
        if (q >= 0) {
            id = id.substring(0, q);
        }
        int slash = id.indexOf('/', id.startsWith("facebook/") ? "facebook/".length() : 0);
        if (slash >= 0) {
            id = id.substring(0, slash); // drop a version segment
        }
        return id;
    }

    /**
     * Resolves a zoo entry.
     *
     * @param e the entry
     * @param arguments Criteria arguments ({@code modelDir})
     * @return the model folder
     */
    public static Path resolve(ZooEntry e, Map<String, ?> arguments) {
        List<Path> tried = new ArrayList<>();
        Object modelDir = arguments == null ? null : arguments.get("modelDir");
        if (modelDir != null) {
            Path d = Paths.get(modelDir.toString());
            for (Path c : new Path[] {d, d.resolve(e.artifactId())}) {
                if (Files.isRegularFile(c.resolve("config.json"))) {
                    return c;
                }
                tried.add(c);
            }
        }
        Optional<Path> root = modelsRoot();
        if (root.isPresent()) {
            Path c = root.get().resolve(e.artifactId());
            if (Files.isRegularFile(c.resolve("config.json"))) {
                return c;
            }
            tried.add(c);
        }
        if (e.bundled()) {
            Optional<Path> b = BundledModels.locate(e.artifactId());
            if (b.isPresent()) {
                return b.get();
            }
            throw new IllegalStateException(
                    e.artifactId()
                            + " is a bundled model but this build of layerskip-model-zoo has no"
                            + " resources under "
                            + BundledModels.RESOURCE_ROOT
                            + e.artifactId()
                            + "/ (config.json, *.safetensors, tokenizer.json). Put such a folder"
                            + " at $"
                            + ENV
                            + "/"
                            + e.artifactId()
                            + " or pass the Criteria argument modelDir."
                            + triedText(tried));
        }
        throw new IllegalStateException(missingMessage(e) + triedText(tried));
    }

    /**
     * Explains how to get a published model.
     *
     * @param e the entry
     * @return the instructions
     */
    public static String missingMessage(ZooEntry e) {
        String where =
                modelsRoot()
                        .map(p -> p.resolve(e.artifactId()).toString())
                        .orElse("$" + ENV + "/" + e.artifactId());
        return e.artifactId()
                + " is not on this machine. Download the Hugging Face repo "
                + e.hfRepoId()
                + " (gated: accept the FAIR Noncommercial Research License on its page first),"
                + " e.g. `huggingface-cli download "
                + e.hfRepoId()
                + " --local-dir "
                + where
                + "`. The folder needs config.json, the *.safetensors weights and"
                + " tokenizer.json. Then set "
                + ENV
                + " to the folder that contains "
                + e.artifactId()
                + "/ (or -D"
                + PROPERTY
                + "=...), or pass the Criteria argument modelDir=<model folder>.";
    }

    private static String triedText(List<Path> tried) {
        return tried.isEmpty()
                ? ""
                : " Looked in: "
                        + tried.stream().map(Path::toString).collect(Collectors.joining(", "));
    }

    /**
     * Returns the folder named by {@code -Dlayerskip.models} or {@code $LAYERSKIP_MODELS}.
     *
     * @return the folder, if set
     */
    public static Optional<Path> modelsRoot() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(ENV);
        }
        return p == null || p.isBlank() ? Optional.empty() : Optional.of(Paths.get(p));
    }

    private static Path tryPath(String s) {
        if (s.startsWith("djl://")) {
            return null;
        }
        try {
            return s.startsWith("file:") ? Paths.get(java.net.URI.create(s)) : Paths.get(s);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Path checkFolder(Path dir, String given) {
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalArgumentException(
                    given + ": folder has no config.json (not a Hugging Face Llama folder)");
        }
        return dir;
    }
}
