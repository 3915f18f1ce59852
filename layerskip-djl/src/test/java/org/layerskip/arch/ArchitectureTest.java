package org.layerskip.arch;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Enforces the dependency direction between the library's packages (lower packages never import
 * higher ones) and that no library code but the fused engine depends on a specific DJL engine.
 */
public class ArchitectureTest {

    /** Which project packages each package may import. */
    private static final Map<String, Set<String>> ALLOWED =
            Map.of(
                    "config", Set.of(),
                    "runtime", Set.of(),
                    "cache", Set.of("config"),
                    "nn", Set.of("config", "cache"),
                    "io", Set.of("config", "nn"),
                    "tokenizer", Set.of("config"),
                    "engine", Set.of("config", "cache", "nn"),
                    "generate", Set.of("config", "cache", "nn", "engine"),
                    "train", Set.of("config", "cache", "nn", "io", "tokenizer"),
                    "translate",
                            Set.of(
                                    "config",
                                    "cache",
                                    "nn",
                                    "io",
                                    "tokenizer",
                                    "engine",
                                    "generate"));

    private static final Pattern IMPORT =
            Pattern.compile("^import (?:static )?org\\.layerskip\\.(\\w+)\\.", Pattern.MULTILINE);

    @Test
    public void packagesDependDownwardOnly() throws IOException {
        Path root = Paths.get("src/main/java/org/layerskip");
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f :
                    (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String pkg = root.relativize(f).getName(0).toString();
                String src = Files.readString(f);
                Set<String> allowed = ALLOWED.get(pkg);
                if (allowed == null) {
                    violations.add(f + ": package '" + pkg + "' has no declared place in the DAG");
                    continue;
                }
                Matcher m = IMPORT.matcher(src);
                while (m.find()) {
                    String target = m.group(1);
                    if (!target.equals(pkg) && !allowed.contains(target)) {
                        violations.add(f + " imports org.layerskip." + target);
                    }
                }
                // The fused engine is a TorchScript program: by nature PyTorch-only, and the one
                // place
                // allowed to use DJL's PyTorch classes (the per-op path runs on any DJL engine).
                if (src.contains("import ai.djl.pytorch.") && !pkg.equals("engine")) {
                    violations.add(f + " depends on the PyTorch engine directly");
                }
                if (pkg.equals("config") && src.contains("import ai.djl.")) {
                    violations.add(f + ": config must not depend on DJL");
                }
            }
        }
        Assert.assertTrue(violations.isEmpty(), String.join("\n", violations));
    }

    @Test
    public void readmeShowsThisTable() throws IOException {
        String readme = Files.readString(Paths.get("../README.md"));
        for (Map.Entry<String, Set<String>> e : ALLOWED.entrySet()) {
            String imports =
                    e.getValue().isEmpty()
                            ? "nothing"
                            : e.getValue().stream()
                                    .sorted()
                                    .map(p -> "`" + p + "`")
                                    .collect(Collectors.joining(", "));
            String row = "| `" + e.getKey() + "` | " + imports + " |";
            Assert.assertTrue(readme.contains(row), "README.md lacks the row " + row);
        }
    }

    @Test
    public void everyPackageHasPackageInfo() throws IOException {
        Path root = Paths.get("src/main/java/org/layerskip");
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                Assert.assertTrue(Files.exists(d.resolve("package-info.java")), d.toString());
            }
        }
    }
}
