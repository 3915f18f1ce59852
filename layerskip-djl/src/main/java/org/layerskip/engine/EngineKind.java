package org.layerskip.engine;

import java.util.Locale;

/**
 * Which decode path runs a request: {@link #FUSED} (the default) or {@link #OPS}. The system
 * property {@value #PROPERTY} sets the default for the library (Criteria, notebooks); the CLI's
 * {@code --engine} and {@code GenerationOptions} choose per request.
 */
public enum EngineKind {

    /**
     * One native call per pass: a weight-free TorchScript program, run by LibTorch. Falls back to
     * {@link #OPS} (with a logged warning) for models it cannot run, unless the request insists.
     */
    FUSED,

    /** DJL's per-op path: the reference implementation, differentiable, any DJL engine. */
    OPS;

    /** The system property that selects the default engine: {@code fused} or {@code ops}. */
    public static final String PROPERTY = "layerskip.engine";

    /**
     * Parses a name ({@code fused} or {@code ops}, any case).
     *
     * @param name the name
     * @return the kind
     * @throws IllegalArgumentException for anything else
     */
    public static EngineKind parse(String name) {
        if (name != null) {
            switch (name.trim().toLowerCase(Locale.ROOT)) {
                case "fused":
                    return FUSED;
                case "ops":
                    return OPS;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("engine must be 'fused' or 'ops', got '" + name + "'");
    }

    /**
     * Returns the default from {@value #PROPERTY} (fused when unset).
     *
     * @return the default kind
     * @throws IllegalArgumentException when the property holds something else
     */
    public static EngineKind fromProperty() {
        String v = System.getProperty(PROPERTY);
        return v == null || v.isBlank() ? FUSED : parse(v);
    }

    /**
     * Returns the lower-case name used on the command line.
     *
     * @return {@code fused} or {@code ops}
     */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
