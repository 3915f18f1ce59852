package org.layerskip.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a TorchScript archive (the zip that {@code torch.jit.save} produces) for a module that
 * holds no tensors: its code (TorchScript's serialized-code dialect, which LibTorch compiles at
 * load time), the pickled module object, an empty constants table and the format version. Written
 * by hand because the only other producer is Python's {@code torch.jit}, and the fused engine must
 * work from a Maven dependency alone.
 *
 * <p>The pickles are fixed byte strings of Python's pickle protocol 2: {@code data.pkl} builds one
 * object of class {@code __torch__.<ClassName>} with attributes {@code training = False} and {@code
 * _is_full_backward_hook = None} (the attributes every scripted {@code nn.Module} declares); {@code
 * constants.pkl} is an empty tuple. Entries are stored uncompressed, as LibTorch expects.
 */
public final class TorchScriptArchive {

    /** The serialization format version written (LibTorch 1.x and 2.x read it). */
    static final String VERSION = "3\n";

    private TorchScriptArchive() {}

    /**
     * Builds the archive of a tensor-free module.
     *
     * @param name the archive's folder name (letters, digits, underscores)
     * @param className the module's class name in the code (e.g. {@code LayerSkipDecoder})
     * @param code the module's source in TorchScript's serialized-code dialect
     * @return the archive's bytes
     */
    public static byte[] build(String name, String className, String code) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")
                || !className.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("archive and class names must be identifiers");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            stored(zip, name + "/data.pkl", modulePickle(className));
            stored(zip, name + "/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
            stored(zip, name + "/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            stored(zip, name + "/version", VERSION.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: cannot happen
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a class path resource as UTF-8 text.
     *
     * @param resource the resource path relative to this class
     * @return its text
     */
    static String resource(String resource) {
        try (InputStream in = TorchScriptArchive.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource + " (broken jar?)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + resource, e);
        }
    }

    /**
     * {@code c__torch__\nNAME\n ) NEWOBJ } ( 'training' False '_is_full_backward_hook' None u b .}
     * — GLOBAL, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, MARK, two BINUNICODE keys with NEWFALSE / NONE,
     * SETITEMS, BUILD, STOP.
     */
    static byte[] modulePickle(String className) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80); // PROTO
        p.write(2);
        p.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII));
        p.write(')'); // EMPTY_TUPLE
        p.write(0x81); // NEWOBJ
        p.write('}'); // EMPTY_DICT
        p.write('('); // MARK
        unicode(p, "training");
        p.write(0x89); // NEWFALSE
        unicode(p, "_is_full_backward_hook");
        p.write('N'); // NONE
        p.write('u'); // SETITEMS
        p.write('b'); // BUILD
        p.write('.'); // STOP
        return p.toByteArray();
    }

    private static void unicode(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X'); // BINUNICODE, 4-byte little-endian length
        p.write(b.length & 0xFF);
        p.write((b.length >>> 8) & 0xFF);
        p.write((b.length >>> 16) & 0xFF);
        p.write((b.length >>> 24) & 0xFF);
        p.writeBytes(b);
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setTime(315532800000L); // 1980-01-01, as torch.jit.save writes: reproducible bytes
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
