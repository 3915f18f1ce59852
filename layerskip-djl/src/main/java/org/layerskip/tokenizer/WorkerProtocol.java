package org.layerskip.tokenizer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The binary request/response framing between {@link WorkerClient} and {@link TokenizerWorker}
 * (over the child's stdin and stdout). Text travels as UTF-16 code units, so both sides see the
 * same {@code String}, lone surrogates included.
 *
 * <pre>
 * request:  byte op, then LOAD: int n, n bytes of UTF-8 JSON
 *                         ENCODE: long handle, text
 *                         DECODE: long handle, boolean skipSpecial, int n, n longs
 *                         FREE: long handle
 * response: byte status (OK / ERROR), then OK: LOAD long handle, ENCODE int n + n longs,
 *                                              DECODE text, FREE nothing
 *                                          ERROR: text (the message)
 * text:     int n, n chars
 * </pre>
 */
final class WorkerProtocol {

    static final byte LOAD = 1;
    static final byte ENCODE = 2;
    static final byte DECODE = 3;
    static final byte FREE = 4;

    static final byte OK = 0;
    static final byte ERROR = 1;

    /** Printed by the worker on stdout before the first response, so a broken start is seen. */
    static final int HELLO = 0x4c534b54; // "LSKT"

    /** Largest frame element accepted (chars, ids or JSON bytes); the worker is our own child. */
    static final int MAX_LENGTH = Integer.MAX_VALUE - 8;

    private WorkerProtocol() {}

    static void writeText(DataOutputStream out, String s) throws IOException {
        out.writeInt(s.length());
        out.writeChars(s);
    }

    static String readText(DataInputStream in) throws IOException {
        int n = readLength(in);
        char[] c = new char[n];
        for (int i = 0; i < n; i++) {
            c[i] = in.readChar();
        }
        return new String(c);
    }

    static void writeIds(DataOutputStream out, long[] ids) throws IOException {
        out.writeInt(ids.length);
        for (long id : ids) {
            out.writeLong(id);
        }
    }

    static long[] readIds(DataInputStream in) throws IOException {
        long[] ids = new long[readLength(in)];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = in.readLong();
        }
        return ids;
    }

    static void writeBytes(DataOutputStream out, String utf8) throws IOException {
        byte[] b = utf8.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readBytes(DataInputStream in) throws IOException {
        byte[] b = new byte[readLength(in)];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static int readLength(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_LENGTH) {
            throw new IOException("bad frame length " + n);
        }
        return n;
    }
}
