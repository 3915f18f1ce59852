package org.layerskip.examples;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * The README's "Embed it" section shows the sample project of {@code examples/embed} verbatim: its
 * one class in full (so that a reader who copies it gets code that compiles; {@code
 * scripts/embed-sample.sh} compiles and runs that very file) and its dependencies block.
 */
public class EmbedSampleReadmeTest {

    private static final Path ROOT = Paths.get(System.getProperty("user.dir")).resolve("..");
    private static final Path SAMPLE = ROOT.resolve("examples/embed");

    /** The "Embed it" section: from its heading to the next second-level heading. */
    private static String section() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("\n## Embed it");
        Assert.assertTrue(start >= 0, "README.md has no '## Embed it' section");
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    /** The body of the first fenced block of a language in the text. */
    private static String fenced(String text, String language) {
        String open = "\n```" + language + "\n";
        int a = text.indexOf(open);
        Assert.assertTrue(a >= 0, "no ```" + language + " block in the Embed it section");
        int b = text.indexOf("\n```", a + open.length() - 1);
        return text.substring(a + open.length(), b + 1);
    }

    @Test
    public void readmeShowsTheSampleClassVerbatim() throws IOException {
        String source =
                Files.readString(SAMPLE.resolve("src/main/java/com/example/EmbedLayerSkip.java"));
        Assert.assertEquals(fenced(section(), "java"), source);
        // the snippet a reader copies names every class it uses
        for (String type : List.of("Criteria", "ZooModel", "Predictor")) {
            Assert.assertTrue(
                    source.contains("import ai.djl.") && source.contains("." + type + ";"),
                    "the sample imports " + type);
        }
    }

    @Test
    public void readmeShowsTheSampleDependenciesVerbatim() throws IOException {
        List<String> pom = Files.readAllLines(SAMPLE.resolve("pom.xml"));
        int a = pom.indexOf("  <dependencies>");
        int b = pom.indexOf("  </dependencies>");
        Assert.assertTrue(a >= 0 && b > a, "examples/embed/pom.xml has no dependencies block");
        String deps = String.join("\n", pom.subList(a, b + 1)) + "\n";
        Assert.assertEquals(fenced(section(), "xml"), deps);
        Assert.assertTrue(
                deps.contains("<artifactId>slf4j-simple</artifactId>"), "an SLF4J binding");
    }

    @Test
    public void samplePinsTheCompilerPluginAndCanRun() throws IOException {
        String pom = Files.readString(SAMPLE.resolve("pom.xml"));
        Assert.assertTrue(
                pom.matches(
                        "(?s).*<artifactId>maven-compiler-plugin</artifactId>\\s*<version>3\\.1[3-9].*"),
                "Maven 3.8's default compiler plugin ignores maven.compiler.release");
        Assert.assertTrue(
                pom.contains("<artifactId>exec-maven-plugin</artifactId>"), "a way to run it");
        Assert.assertTrue(
                Files.readString(ROOT.resolve("scripts/test")).contains("scripts/embed-sample.sh"),
                "scripts/test builds and runs the sample");
    }
}
