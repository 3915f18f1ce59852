package org.layerskip.spark;

import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.layerskip.zoo.LayerSkipModels;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Finds a model's folder on the JVM that runs a task. In order: (1) an existing folder (shared
 * storage mounted at the same path everywhere, or a local copy on every node); (2) a name shipped
 * with {@code spark-submit --archives model.zip#NAME} or {@code SparkContext.addArchive}, found
 * under {@link SparkFiles#getRootDirectory()}; (3) a zoo id ({@code tiny-layerskip} is bundled in
 * the jar; published checkpoints come from {@code $LAYERSKIP_MODELS} on the executor).
 */
final class ModelFolders {

    private ModelFolders() {}

    /**
     * Resolves a model on this JVM.
     *
     * @param model the folder, SparkFiles name or zoo id
     * @return the folder holding {@code config.json}
     * @throws ModelUnavailableException with one line naming the model and this executor
     */
    static Path resolve(String model) {
        Path path = asPath(model);
        if (path != null && Files.isDirectory(path)) {
            return requireConfig(model, path);
        }
        Path shipped = shipped(model);
        if (shipped != null && Files.isDirectory(shipped)) {
            return requireConfig(model, shipped);
        }
        if (looksLikePath(model)) {
            throw new ModelUnavailableException(
                    "model folder "
                            + model
                            + " does not exist on "
                            + executor()
                            + "; give a folder every executor can read (shared storage), or ship"
                            + " it with spark-submit --archives model.zip#NAME and pass NAME",
                    null);
        }
        try {
            return LayerSkipModels.resolve(model);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ModelUnavailableException(
                    "cannot find model '" + model + "' on " + executor() + ": " + firstLine(e), e);
        }
    }

    /**
     * Describes the JVM for messages: Spark's executor id and the host name.
     *
     * @return e.g. {@code executor 3 on node-7}
     */
    static String executor() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = String.valueOf(System.getenv("HOSTNAME"));
        }
        SparkEnv env = SparkEnv.get();
        return env == null ? "host " + host : "executor " + env.executorId() + " on " + host;
    }

    static String firstLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl).strip();
    }

    private static Path requireConfig(String model, Path dir) {
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new ModelUnavailableException(
                    "model folder "
                            + model
                            + " ("
                            + dir
                            + ") on "
                            + executor()
                            + " has no config.json (not a Hugging Face Llama folder)",
                    null);
        }
        return dir;
    }

    private static Path shipped(String model) {
        if (SparkEnv.get() == null || model.contains("/") || model.contains("\\")) {
            return null;
        }
        try {
            return Paths.get(SparkFiles.get(model));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static boolean looksLikePath(String model) {
        return model.startsWith("/")
                || model.startsWith(".")
                || model.startsWith("file:")
                || model.startsWith("~")
                || model.contains("\\")
                || (model.contains("/")
                        && !model.startsWith("facebook/")
                        && !model.startsWith("djl://"));
    }

    private static Path asPath(String model) {
        try {
            return model.startsWith("file:") ? Paths.get(URI.create(model)) : Paths.get(model);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
