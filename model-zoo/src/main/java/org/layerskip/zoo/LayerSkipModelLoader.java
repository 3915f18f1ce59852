package org.layerskip.zoo;

import ai.djl.Application;
import ai.djl.MalformedModelException;
import ai.djl.repository.MRL;
import ai.djl.repository.Repository;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelLoader;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Progress;

import org.layerskip.translate.LayerSkipTranslatorFactory;
import org.layerskip.translate.LlamaBlockFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads one zoo entry: resolves its folder ({@link LayerSkipModels}) and loads it as a plain model
 * path with the LayerSkip translator factory, {@link LlamaBlockFactory}, {@code hasParameter=false}
 * and the entry's recommended {@code exitLayer}/{@code numSpeculations} as default arguments.
 * Criteria arguments, options and a Criteria translator factory win.
 *
 * <p>No files are copied: published checkpoints (many GB) are read where the user put them.
 */
public final class LayerSkipModelLoader implements ModelLoader {

    /** The zoo's artifact version. */
    public static final String VERSION = "0.1.0";

    private final ZooEntry entry;
    private final MRL mrl;

    /**
     * Creates the loader.
     *
     * @param entry the zoo entry
     */
    public LayerSkipModelLoader(ZooEntry entry) {
        this.entry = entry;
        Repository repo =
                Repository.newInstance("layerskip-zoo", BundledModels.cacheRoot().resolve("index"));
        this.mrl =
                MRL.model(
                        repo,
                        Application.NLP.TEXT_GENERATION,
                        LayerSkipModelZoo.GROUP_ID,
                        entry.artifactId(),
                        VERSION,
                        entry.artifactId());
    }

    /**
     * Returns the zoo entry.
     *
     * @return the entry
     */
    public ZooEntry getEntry() {
        return entry;
    }

    /** {@inheritDoc} */
    @Override
    public String getGroupId() {
        return LayerSkipModelZoo.GROUP_ID;
    }

    /** {@inheritDoc} */
    @Override
    public String getArtifactId() {
        return entry.artifactId();
    }

    /** {@inheritDoc} */
    @Override
    public Application getApplication() {
        return Application.NLP.TEXT_GENERATION;
    }

    /** {@inheritDoc} */
    @Override
    public MRL getMrl() {
        return mrl;
    }

    /**
     * Returns the default arguments of this entry: translator and block factory, and the entry's E
     * and d as the block factory's recommendation ({@link
     * LlamaBlockFactory#RECOMMENDED_EXIT_LAYER}), so that they are defaults under the rule of
     * {@link org.layerskip.io.SpeculationDefaults} (the folder's {@code layerskip.json} first;
     * skipped with a warning when they do not fit the model found) rather than explicit request
     * options.
     *
     * @return a mutable map
     */
    public Map<String, Object> defaultArguments() {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("translatorFactory", LayerSkipTranslatorFactory.class.getName());
        args.put("blockFactory", LlamaBlockFactory.class.getName());
        if (entry.exitLayer() > 0) {
            args.put(LlamaBlockFactory.RECOMMENDED_EXIT_LAYER, entry.exitLayer());
        }
        if (entry.numSpeculations() > 0) {
            args.put(LlamaBlockFactory.RECOMMENDED_NUM_SPECULATIONS, entry.numSpeculations());
        }
        args.put(LlamaBlockFactory.RECOMMENDATION_SOURCE, "zoo entry " + entry.artifactId());
        return args;
    }

    /** {@inheritDoc} */
    @Override
    public <I, O> ZooModel<I, O> loadModel(Criteria<I, O> criteria)
            throws IOException, ModelNotFoundException, MalformedModelException {
        TranslatorFactory factory = criteria.getTranslatorFactory();
        if (factory == null) {
            factory = new LayerSkipTranslatorFactory();
        }
        if (!factory.isSupported(criteria.getInputClass(), criteria.getOutputClass())) {
            throw new ModelNotFoundException(
                    entry.artifactId()
                            + " supports String -> String and GenerationRequest ->"
                            + " GenerationResponse or GenerationStream, not "
                            + criteria.getInputClass().getName()
                            + " -> "
                            + criteria.getOutputClass().getName());
        }
        Path dir;
        try {
            dir = LayerSkipModels.resolve(entry, criteria.getArguments());
        } catch (IllegalStateException e) {
            throw new ModelNotFoundException(e.getMessage(), e);
        }
        Map<String, Object> args = defaultArguments();
        if (criteria.getArguments() != null) {
            args.putAll(criteria.getArguments());
        }
        args.remove("modelDir");
        Map<String, String> options = new LinkedHashMap<>();
        options.put("hasParameter", "false");
        if (criteria.getOptions() != null) {
            options.putAll(criteria.getOptions());
        }
        Criteria<I, O> local =
                Criteria.builder()
                        .setTypes(criteria.getInputClass(), criteria.getOutputClass())
                        .optModelPath(dir)
                        .optModelName(entry.artifactId())
                        .optEngine(criteria.getEngine() != null ? criteria.getEngine() : "PyTorch")
                        .optDevice(criteria.getDevice())
                        .optArguments(args)
                        .optOptions(options)
                        .optTranslatorFactory(factory)
                        .optProgress(criteria.getProgress())
                        .build();
        return local.loadModel();
    }

    /** {@inheritDoc} */
    @Override
    public <I, O> boolean isDownloaded(Criteria<I, O> criteria) {
        try {
            LayerSkipModels.resolve(entry, criteria.getArguments());
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /**
     * Does not download: published checkpoints are gated on Hugging Face.
     *
     * @throws ModelNotFoundException unless the model is already on this machine; the message says
     *     what to download and where to put it
     */
    @Override
    public <I, O> void downloadModel(Criteria<I, O> criteria, Progress progress)
            throws ModelNotFoundException {
        try {
            LayerSkipModels.resolve(entry, criteria.getArguments());
        } catch (IllegalStateException e) {
            throw new ModelNotFoundException(e.getMessage(), e);
        }
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "djl://" + getGroupId() + "/" + getArtifactId() + " (" + entry.architecture() + ")";
    }
}
