package org.layerskip.engine;

import org.testng.Assert;
import org.testng.SkipException;
import org.testng.annotations.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** The archive the project writes for the fused program, checked on its own. */
public class TorchScriptArchiveTest {

    @Test
    public void archiveHasTheLayoutTorchJitSaveWrites() throws Exception {
        byte[] a = TorchScriptArchive.build("prog", "Prog", "class Prog(Module):\n  pass\n");
        Assert.assertEquals(
                TorchScriptArchive.build("prog", "Prog", "class Prog(Module):\n  pass\n"),
                a,
                "reproducible bytes");
        List<String> names = new ArrayList<>();
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(a))) {
            ZipEntry e;
            while ((e = z.getNextEntry()) != null) {
                names.add(e.getName());
                Assert.assertEquals(e.getMethod(), ZipEntry.STORED, e.getName());
                byte[] data = z.readAllBytes();
                if (e.getName().endsWith("version")) {
                    Assert.assertEquals(new String(data, StandardCharsets.US_ASCII), "3\n");
                }
                if (e.getName().endsWith("constants.pkl")) {
                    Assert.assertEquals(data, new byte[] {(byte) 0x80, 2, ')', '.'});
                }
            }
        }
        Assert.assertEquals(
                names,
                List.of(
                        "prog/data.pkl",
                        "prog/code/__torch__.py",
                        "prog/constants.pkl",
                        "prog/version"));
        // PROTO 2, GLOBAL __torch__.Prog, EMPTY_TUPLE, NEWOBJ, {training: False, hook: None},
        // BUILD, STOP
        byte[] pkl = TorchScriptArchive.modulePickle("Prog");
        String text = new String(pkl, StandardCharsets.ISO_8859_1);
        Assert.assertTrue(text.startsWith("\u0080\u0002c__torch__\nProg\n)\u0081}("), text);
        Assert.assertTrue(
                text.contains("training")
                        && text.endsWith(
                                "\u0089X\u0016\u0000\u0000\u0000_is_full_backward_hookNub."),
                text);
        Assert.expectThrows(
                IllegalArgumentException.class, () -> TorchScriptArchive.build("a/b", "P", ""));
    }

    /**
     * An independent loader: PyTorch 1.13 (Debian's python3-torch, which the reference fixtures
     * need anyway) loads the archive this project writes and compiles the fused program.
     */
    @Test
    public void pythonTorchLoadsTheFusedProgram() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python)) {
            throw new SkipException("no /usr/bin/python3");
        }
        Path archive = Files.createTempFile("layerskip-decoder", ".pt");
        try {
            String source = TorchScriptArchive.resource("layerskip_decoder.py");
            StringBuilder plain = new StringBuilder();
            for (String line : source.split("\n", -1)) {
                if (!line.stripTrailing().endsWith("# @packed")) { // 2.x-only oneDNN ops
                    plain.append(line).append('\n');
                }
            }
            Files.write(
                    archive,
                    TorchScriptArchive.build(
                            "layerskip_decoder", FusedEngine.CLASS_NAME, plain.toString()));
            Process p =
                    new ProcessBuilder(
                                    python.toString(),
                                    "-c",
                                    "import sys, torch\n"
                                            + "m = torch.jit.load(sys.argv[1])\n"
                                            + "print(' '.join(sorted(n for n in ('step', 'speculate', 'prepare') if hasattr(m, n))))\n",
                                    archive.toString())
                            .redirectErrorStream(true)
                            .start();
            String out =
                    new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            Assert.assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            if (p.exitValue() != 0 && out.contains("No module named 'torch'")) {
                throw new SkipException("python3 has no torch");
            }
            Assert.assertEquals(p.exitValue(), 0, out);
            Assert.assertTrue(out.endsWith("prepare speculate step"), out);
        } finally {
            Files.deleteIfExists(archive);
        }
    }
}
