package org.layerskip.cli;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.layerskip.generate.DecodingStrategy;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * The {@code layerskip} command: early-exit and self-speculative decoding from the command line,
 * per-task benchmarks, per-exit-layer evaluation and LayerSkip training.
 *
 * <p>Exit codes: 0 on success, 1 for runtime and input errors (bad model folder, ids outside the
 * vocabulary, exit layer out of range, I/O), 2 for usage errors. Every error is one line on stderr,
 * {@code error: ...}; the stack trace is added only with {@code --verbose}.
 */
@Command(
        name = "layerskip",
        mixinStandardHelpOptions = true,
        versionProvider = LayerSkipCli.Version.class,
        description =
                "LayerSkip on the JVM: early exit and self-speculative decoding of Llama models.",
        subcommands = {
            GenerateCommand.class,
            BenchCommand.class,
            SweepCommand.class,
            EvalLayersCommand.class,
            TrainCommand.class,
            BatchCommand.class,
            ServeCommand.class
        })
public final class LayerSkipCli implements Runnable {

    /** Exit code of runtime and input errors. */
    public static final int EXIT_ERROR = 1;

    /** Exit code of usage errors. */
    public static final int EXIT_USAGE = 2;

    private boolean verbose;

    /**
     * Sets {@code --verbose}: INFO logging and stack traces on errors.
     *
     * @param verbose whether to be verbose
     */
    @Option(
            names = {"-v", "--verbose"},
            scope = ScopeType.INHERIT,
            description = "Log at INFO level and print stack traces on errors.")
    void setVerbose(boolean verbose) {
        this.verbose = verbose;
        if (verbose) {
            Configurator.setRootLevel(Level.INFO);
        }
    }

    /**
     * Runs the command line and exits the JVM with its exit code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        // straight to the file descriptor, so that a failed write (full disk, closed pipe) is seen
        PrintStream out = ResultOutput.over(new FileOutputStream(FileDescriptor.out));
        System.exit(run(args, out, System.err));
    }

    /**
     * Runs the command line in-process.
     *
     * @param args the arguments
     * @param out where results go (text, tables, JSON)
     * @param err where the summary, progress and errors go
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        LayerSkipCli top = new LayerSkipCli();
        PrintWriter errWriter = new PrintWriter(err, true);
        try {
            CommandLine cl = new CommandLine(top);
            cl.setCaseInsensitiveEnumValuesAllowed(true);
            cl.registerConverter(DecodingStrategy.class, LayerSkipCli::parseStrategy);
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(errWriter);
            cl.setParameterExceptionHandler(
                    (e, a) -> {
                        e.getCommandLine().getErr().println("error: " + oneLine(e));
                        if (top.verbose) {
                            e.printStackTrace(e.getCommandLine().getErr());
                        }
                        return EXIT_USAGE;
                    });
            cl.setExecutionExceptionHandler(
                    (e, c, parsed) -> {
                        fail(e, c.getErr(), top.verbose);
                        return EXIT_ERROR;
                    });
            int code = cl.execute(args);
            // PrintWriter and PrintStream swallow write errors: ask them
            if (cl.getOut().checkError() && code == 0) {
                errWriter.println("error: " + ResultOutput.describeFailure(out));
                return EXIT_ERROR;
            }
            return code;
        } catch (Throwable t) {
            fail(t, errWriter, top.verbose);
            return EXIT_ERROR;
        } finally {
            errWriter.flush();
        }
    }

    /** Without a subcommand: print usage. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                new CommandLine(this),
                "missing subcommand: use generate, bench, sweep, eval-layers, train, batch or serve (see --help)");
    }

    private static DecodingStrategy parseStrategy(String s) {
        try {
            return DecodingStrategy.parse(s);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    private static void fail(Throwable t, PrintWriter err, boolean verbose) {
        err.println("error: " + oneLine(t));
        if (verbose) {
            t.printStackTrace(err);
        }
        err.flush();
    }

    /**
     * Returns the first line of an exception's message (or its type when it has none); an {@link
     * java.io.UncheckedIOException} is described by its cause.
     *
     * @param t the exception
     * @return one line
     */
    public static String oneLine(Throwable t) {
        if (t instanceof java.io.UncheckedIOException && t.getCause() != null) {
            return oneLine(t.getCause());
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            Throwable c = t.getCause();
            return c != null && c != t ? oneLine(c) : t.getClass().getSimpleName();
        }
        m = m.strip();
        int nl = m.indexOf('\n');
        String first = nl < 0 ? m : m.substring(0, nl).strip();
        if (t instanceof CommandLine.ParameterException && first.startsWith("Error: ")) {
            first = first.substring("Error: ".length()); // picocli's own prefix
        }
        if (t instanceof java.nio.file.NoSuchFileException) {
            return "file not found: " + first;
        }
        if (t instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + first;
        }
        return first;
    }

    /** Reports the version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "layerskip 0.1.0-SNAPSHOT (LayerSkip-DJL, DJL 0.36, PyTorch engine)",
                "Java " + System.getProperty("java.version")
            };
        }
    }
}
