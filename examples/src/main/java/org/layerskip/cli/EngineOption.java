package org.layerskip.cli;

import org.layerskip.engine.EngineKind;

import picocli.CommandLine.Option;

/** {@code --engine}: which decode path runs the command's requests. */
final class EngineOption {

    @Option(
            names = "--engine",
            paramLabel = "fused|ops",
            description =
                    "Decode engine: fused (one native call per pass, the default) or ops (DJL's"
                            + " per-op reference path). Default: the layerskip.engine system property,"
                            + " else fused.")
    EngineKind engine;

    /**
     * Returns the chosen engine, or the library default.
     *
     * @return the engine kind
     */
    EngineKind kind() {
        return engine != null ? engine : EngineKind.fromProperty();
    }
}
