package org.layerskip.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Usage checks shared by the subcommands: each failure is a picocli usage error (exit code 2). */
final class SamplingChecks {

    private SamplingChecks() {}

    static void require(CommandSpec spec, boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    static void maxNewTokens(CommandSpec spec, int n) {
        require(spec, n >= 1, "--max-new-tokens must be >= 1, got " + n);
    }

    static void numSpeculations(CommandSpec spec, Integer d) {
        require(spec, d == null || d >= 1, "--num-speculations must be >= 1, got " + d);
    }
}
