package org.layerskip.io;

import org.layerskip.config.LibraryDefaults;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The exit layer E and draft length d a loaded model uses when a request leaves them unset: one
 * rule for Criteria/model-zoo loading ({@code LlamaBlockFactory}) and the CLI.
 *
 * <p>In order: the folder's {@link RecordedSettings#FILE_NAME} (measured on this very checkpoint by
 * {@code layerskip sweep}); then a recommendation from outside the folder (a zoo entry's published
 * E and d, 0 meaning "none"); then the library's E = L/4 (at least 1) and d = 4 ({@link
 * LibraryDefaults}). A recorded or recommended exit layer that does not fit the loaded model —
 * self-speculation needs 1 &lt;= E &lt;= L − 1, e.g. a zoo id whose folder holds a 4-layer model
 * while the entry says E = 4 — is a default, not a request: it is skipped with one warning naming
 * where it came from, and the next source is used. An explicit E that does not fit (a Criteria
 * argument, a request, a CLI option) is still an error, where it is checked.
 *
 * @param exitLayer E
 * @param numSpeculations d
 * @param source where E came from, for logs, e.g. {@code "layerskip.json"}
 */
public record SpeculationDefaults(int exitLayer, int numSpeculations, String source) {

    private static final Logger logger = LoggerFactory.getLogger(SpeculationDefaults.class);

    /**
     * Chooses E and d for a model folder without an outside recommendation.
     *
     * @param modelDir the model folder (may hold {@link RecordedSettings#FILE_NAME})
     * @param numLayers L of the loaded model
     * @return the defaults
     * @throws IllegalArgumentException naming the file when {@link RecordedSettings#FILE_NAME} is
     *     malformed
     */
    public static SpeculationDefaults resolve(Path modelDir, int numLayers) {
        return resolve(modelDir, numLayers, 0, 0, null);
    }

    /**
     * Chooses E and d (see the class comment).
     *
     * @param modelDir the model folder (may hold {@link RecordedSettings#FILE_NAME})
     * @param numLayers L of the loaded model
     * @param recommendedExitLayer E recommended from outside the folder, or 0 for none
     * @param recommendedNumSpeculations d recommended from outside the folder, or 0 for none
     * @param recommendationSource what recommends them, for messages (e.g. {@code "zoo entry
     *     layerskip-llama3.2-1B"}); may be null when there is no recommendation
     * @return the defaults
     * @throws IllegalArgumentException naming the file when {@link RecordedSettings#FILE_NAME} is
     *     malformed
     */
    public static SpeculationDefaults resolve(
            Path modelDir,
            int numLayers,
            int recommendedExitLayer,
            int recommendedNumSpeculations,
            String recommendationSource) {
        return resolve(
                modelDir,
                numLayers,
                null,
                recommendedExitLayer,
                recommendedNumSpeculations,
                recommendationSource);
    }

    /**
     * Chooses E and d for one task: the pair {@code layerskip sweep --task} recorded for it comes
     * first (skipped like the others when it does not fit), then the rule of the class comment.
     *
     * @param modelDir the model folder (may hold {@link RecordedSettings#FILE_NAME})
     * @param numLayers L of the loaded model
     * @param task the task name, or null for the file's defaults
     * @param recommendedExitLayer E recommended from outside the folder, or 0 for none
     * @param recommendedNumSpeculations d recommended from outside the folder, or 0 for none
     * @param recommendationSource what recommends them, for messages; may be null
     * @return the defaults
     * @throws IllegalArgumentException naming the file when {@link RecordedSettings#FILE_NAME} is
     *     malformed
     */
    public static SpeculationDefaults resolve(
            Path modelDir,
            int numLayers,
            String task,
            int recommendedExitLayer,
            int recommendedNumSpeculations,
            String recommendationSource) {
        Optional<RecordedSettingsFile> file = RecordedSettingsFile.read(modelDir);
        String fileName = modelDir.resolve(RecordedSettings.FILE_NAME).toString();
        if (task != null) {
            Optional<RecordedSettings> t = file.flatMap(f -> f.task(task));
            if (t.isPresent() && t.get().fits(numLayers)) {
                return new SpeculationDefaults(
                        t.get().exitLayer(),
                        t.get().numSpeculations(),
                        RecordedSettings.FILE_NAME + " (task " + task + ")");
            }
            if (t.isPresent()) {
                warn(fileName + " (task " + task + ")", t.get().exitLayer(), numLayers);
            } else {
                logger.info(
                        "{} records no settings for task {}; using the defaults", fileName, task);
            }
        }
        Optional<RecordedSettings> recorded = file.flatMap(RecordedSettingsFile::defaults);
        if (recorded.isPresent()) {
            RecordedSettings r = recorded.get();
            if (r.fits(numLayers)) {
                return new SpeculationDefaults(
                        r.exitLayer(), r.numSpeculations(), RecordedSettings.FILE_NAME);
            }
            warn(fileName, r.exitLayer(), numLayers);
        }
        int d =
                recommendedNumSpeculations > 0
                        ? recommendedNumSpeculations
                        : LibraryDefaults.NUM_SPECULATIONS;
        if (recommendedExitLayer > 0) {
            if (recommendedExitLayer < numLayers) {
                return new SpeculationDefaults(recommendedExitLayer, d, recommendationSource);
            }
            warn(recommendationSource, recommendedExitLayer, numLayers);
        }
        return new SpeculationDefaults(
                LibraryDefaults.exitLayer(numLayers), d, "the library default E = L/4");
    }

    private static void warn(String source, int exitLayer, int numLayers) {
        logger.warn(
                "{}: exit layer {} does not fit this {}-layer model (self-speculation needs 1 to {});"
                        + " ignoring it",
                source,
                exitLayer,
                numLayers,
                numLayers - 1);
    }
}
