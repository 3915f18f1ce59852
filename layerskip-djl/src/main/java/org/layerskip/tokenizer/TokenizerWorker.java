package org.layerskip.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The child process of an isolated tokenizer (see {@link TokenizerIsolation}): runs DJL's native
 * Hugging Face tokenizer on requests read from stdin and answers on stdout ({@link
 * WorkerProtocol}). If the native code panics, aborts or hangs, only this process dies; the parent
 * JVM reports a {@link TokenizerException}. Exits when stdin closes (the parent closed it or died).
 *
 * <p>Not an API: started by {@link WorkerClient} with the parent's class path.
 */
public final class TokenizerWorker {

    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final Map<Long, HuggingFaceTokenizer> tokenizers = new HashMap<>();
    private long nextHandle = 1;

    private TokenizerWorker() {}

    /**
     * Serves requests until stdin closes.
     *
     * @param args ignored
     * @throws IOException if stdout cannot be written (the parent is gone)
     */
    public static void main(String[] args) throws IOException {
        DataOutputStream out =
                new DataOutputStream(
                        new BufferedOutputStream(
                                new FileOutputStream(FileDescriptor.out), 1 << 16));
        // whatever a library prints must not corrupt the protocol on stdout
        System.setOut(System.err);
        DataInputStream in =
                new DataInputStream(
                        new BufferedInputStream(new FileInputStream(FileDescriptor.in), 1 << 16));
        out.writeInt(WorkerProtocol.HELLO);
        out.flush();
        new TokenizerWorker().serve(in, out);
    }

    private void serve(DataInputStream in, DataOutputStream out) throws IOException {
        while (true) {
            byte op;
            try {
                op = in.readByte();
            } catch (EOFException e) {
                return;
            }
            try {
                switch (op) {
                    case WorkerProtocol.LOAD -> load(WorkerProtocol.readBytes(in), out);
                    case WorkerProtocol.ENCODE ->
                            encode(in.readLong(), WorkerProtocol.readText(in), out);
                    case WorkerProtocol.DECODE -> decode(in, out);
                    case WorkerProtocol.FREE -> free(in.readLong(), out);
                    default -> throw new IOException("unknown request " + op);
                }
            } catch (RuntimeException e) {
                out.writeByte(WorkerProtocol.ERROR);
                WorkerProtocol.writeText(out, String.valueOf(e.getMessage()));
            }
            out.flush();
        }
    }

    private void load(String json, DataOutputStream out) throws IOException {
        HuggingFaceTokenizer t;
        try (InputStream is = new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))) {
            t = HuggingFaceTokenizer.newInstance(is, OPTIONS);
        }
        long handle = nextHandle++;
        tokenizers.put(handle, t);
        out.writeByte(WorkerProtocol.OK);
        out.writeLong(handle);
    }

    private void encode(long handle, String text, DataOutputStream out) throws IOException {
        long[] ids = get(handle).encode(text, false, false).getIds();
        out.writeByte(WorkerProtocol.OK);
        WorkerProtocol.writeIds(out, ids);
    }

    private void decode(DataInputStream in, DataOutputStream out) throws IOException {
        long handle = in.readLong();
        boolean skip = in.readBoolean();
        long[] ids = WorkerProtocol.readIds(in);
        String text = get(handle).decode(ids, skip);
        out.writeByte(WorkerProtocol.OK);
        WorkerProtocol.writeText(out, text);
    }

    private void free(long handle, DataOutputStream out) throws IOException {
        HuggingFaceTokenizer t = tokenizers.remove(handle);
        if (t != null) {
            t.close();
        }
        out.writeByte(WorkerProtocol.OK);
    }

    private HuggingFaceTokenizer get(long handle) {
        HuggingFaceTokenizer t = tokenizers.get(handle);
        if (t == null) {
            throw new IllegalStateException("no tokenizer with handle " + handle);
        }
        return t;
    }
}
