package org.layerskip.zoo;

import org.layerskip.config.LlamaPreset;
import org.layerskip.io.HfLlama;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** Bundled models are found in folders and extracted from jars once. */
public class BundledModelsTest {

    @Test
    public void extractsFromJarOnceAndReusesTheCopy() throws Exception {
        Path tmp = Files.createTempDirectory("bundled");
        Path model = ZooFixtures.copyTiny(tmp.resolve("src"));
        Path jar = tmp.resolve("models.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.list(model)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                out.putNextEntry(
                        new JarEntry(
                                BundledModels.RESOURCE_ROOT + "tiny-layerskip/" + f.getFileName()));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        Path cache = tmp.resolve("cache");
        try (URLClassLoader cl = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            Path a = BundledModels.locate("tiny-layerskip", cl, cache).orElseThrow();
            Assert.assertTrue(a.startsWith(cache));
            for (String n : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
                Assert.assertEquals(
                        Files.readAllBytes(a.resolve(n)), Files.readAllBytes(model.resolve(n)));
            }
            long stamp = Files.getLastModifiedTime(a.resolve("model.safetensors")).toMillis();
            Path b = BundledModels.locate("tiny-layerskip", cl, cache).orElseThrow();
            Assert.assertEquals(b, a);
            Assert.assertEquals(
                    Files.getLastModifiedTime(b.resolve("model.safetensors")).toMillis(), stamp);
            Assert.assertEquals(BundledModels.locate("tiny-baseline", cl, cache), Optional.empty());
            try (Stream<Path> s = Files.list(cache)) {
                Assert.assertEquals(s.count(), 1L, "no temporary folders left behind");
            }
        }
    }

    @Test
    public void usesClassPathFolderDirectly() throws Exception {
        Path tmp = Files.createTempDirectory("bundled-dir");
        Path model =
                ZooFixtures.copyTiny(tmp.resolve(BundledModels.RESOURCE_ROOT + "tiny-baseline"));
        try (URLClassLoader cl = new URLClassLoader(new URL[] {tmp.toUri().toURL()}, null)) {
            Assert.assertEquals(
                    BundledModels.locate("tiny-baseline", cl, tmp.resolve("cache")).orElseThrow(),
                    model);
        }
    }

    @Test
    public void heldoutTextIsTheBundledFile() throws Exception {
        Path file =
                Path.of(
                        "src/main/resources",
                        BundledModels.RESOURCE_ROOT,
                        BundledModels.HELDOUT_FILE);
        Optional<String> text = BundledModels.heldoutText();
        Assert.assertEquals(text.isPresent(), Files.isRegularFile(file));
        if (text.isPresent()) {
            Assert.assertEquals(text.get(), Files.readString(file));
        }
    }

    @Test
    public void bundledModelsHaveThePresetShape() {
        for (String id : new String[] {"tiny-layerskip", "tiny-baseline"}) {
            Path dir = BundledModels.locate(id).orElseThrow();
            Assert.assertEquals(HfLlama.readConfig(dir), LlamaPreset.TINY_LAYERSKIP.config(), id);
        }
    }
}
