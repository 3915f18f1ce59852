package org.layerskip.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Standard output that remembers why a write failed: a {@link PrintStream} only keeps a flag, and
 * the result of a command written to a full disk or a closed pipe must be an error (exit code 1,
 * one line on stderr), not a silent success.
 */
final class ResultOutput extends PrintStream {

    private final Recorder recorder;

    private ResultOutput(Recorder recorder) {
        super(recorder, true, StandardCharsets.UTF_8);
        this.recorder = recorder;
    }

    /**
     * Wraps a stream (e.g. the file descriptor of stdout).
     *
     * @param out the stream
     * @return an auto-flushing UTF-8 print stream over it
     */
    static ResultOutput over(OutputStream out) {
        return new ResultOutput(new Recorder(out));
    }

    /**
     * Returns the first write failure.
     *
     * @return the exception, or null if every write succeeded
     */
    IOException failure() {
        return recorder.failure;
    }

    /**
     * Describes why the output of a command could not be written, for its one {@code error:} line.
     *
     * @param out the stream the command wrote to
     * @return e.g. {@code cannot write the output to standard output (No space left on device)}
     */
    static String describeFailure(PrintStream out) {
        IOException e = out instanceof ResultOutput r ? r.failure() : null;
        String why = e == null || e.getMessage() == null ? "" : " (" + e.getMessage() + ")";
        return "cannot write the output to standard output" + why;
    }

    /** Passes writes through and keeps the first exception. */
    private static final class Recorder extends FilterOutputStream {

        private volatile IOException failure;

        Recorder(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                throw record(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw record(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw record(e);
            }
        }

        private IOException record(IOException e) {
            if (failure == null) {
                failure = e;
            }
            return e;
        }
    }
}
