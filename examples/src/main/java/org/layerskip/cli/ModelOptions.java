package org.layerskip.cli;

import ai.djl.ndarray.types.DataType;

import org.apache.logging.log4j.LogManager;
import org.layerskip.engine.FusedEngine;

import picocli.CommandLine.Option;

/**
 * Options of every subcommand that loads a model: where it is, in which precision, on how many
 * threads.
 */
public final class ModelOptions {

    /** Weight precision on load. */
    public enum WeightType {
        /** 32-bit floats. */
        FLOAT32(DataType.FLOAT32),
        /** 16-bit floats. */
        FLOAT16(DataType.FLOAT16);

        private final DataType dataType;

        WeightType(DataType dataType) {
            this.dataType = dataType;
        }

        /**
         * Returns the DJL type.
         *
         * @return the data type
         */
        public DataType dataType() {
            return dataType;
        }
    }

    @Option(
            names = "--model",
            paramLabel = "MODEL",
            defaultValue = ModelLocator.DEFAULT_MODEL,
            description = "Zoo id or Hugging Face Llama folder (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(
            names = "--dtype",
            defaultValue = "float32",
            description =
                    "Weight precision: float32 or float16 (default: ${DEFAULT-VALUE}). float16 halves"
                            + " the memory; on CPU the fused engine then packs the large matrices for"
                            + " FBGEMM's half-precision kernel (-Dlayerskip.fused.halfKernel=linear keeps"
                            + " LibTorch's F16 linear).")
    WeightType dtype;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description =
                    "PyTorch intra-op threads, at most the number of processors"
                            + " (ai.djl.pytorch.num_threads; default: half the processors, 1 to 8).")
    Integer threads;

    @Option(
            names = "--prepack",
            description =
                    "Fused engine: prepack the fp32 weight matrices for oneDNN, so multi-token passes"
                            + " (verification, prefill) cost little more than one-token passes; the packed"
                            + " copy costs the weights' size again in memory (-D"
                            + FusedEngine.PREPACK_PROPERTY
                            + "=true).")
    boolean prepack;

    /**
     * Checks the values that need no model.
     *
     * @return an error message, or null
     */
    String check() {
        return ThreadLimit.check(threads);
    }

    /**
     * Resolves and loads the model (and its tokenizer when the folder has one).
     *
     * @return the loaded model; close it
     * @throws Exception if a file cannot be read or is invalid
     */
    LoadedModel load() throws Exception {
        if (prepack) {
            System.setProperty(FusedEngine.PREPACK_PROPERTY, "true");
        }
        if (threads != null) {
            // Read by the PyTorch engine when it starts; no effect once it has started.
            System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
        }
        // LibTorch prints a C++ deprecation warning on first use; hide it unless --verbose.
        boolean quiet = !LogManager.getRootLogger().isInfoEnabled();
        return LoadedModel.open(model, dtype.dataType(), quiet);
    }
}
