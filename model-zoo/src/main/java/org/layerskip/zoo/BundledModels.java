package org.layerskip.zoo;

import ai.djl.util.Utils;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Finds the models bundled as resources under {@code org/layerskip/zoo/models/<id>/} (Hugging Face
 * layout plus {@code tokenizer.json}). From a folder on the class path (IDE, {@code
 * target/classes}) the folder is used directly; from a jar the files are extracted once into {@code
 * <DJL_CACHE_DIR>/layerskip-zoo/<id>-<content hash>/} (or {@code -Dlayerskip.zoo.cache}), written
 * to a temporary sibling first and renamed into place, so concurrent first uses are safe and a
 * changed jar gets a fresh folder.
 */
public final class BundledModels {

    /** Resource folder of the bundled models. */
    public static final String RESOURCE_ROOT = "org/layerskip/zoo/models/";

    /**
     * File name of the bundled held-out text, next to the model folders in {@link #RESOURCE_ROOT}.
     */
    public static final String HELDOUT_FILE = "heldout.txt";

    private static final String COMPLETE = ".complete";

    private BundledModels() {}

    /**
     * Returns the default extraction folder.
     *
     * @return {@code -Dlayerskip.zoo.cache}, else {@code <DJL cache>/layerskip-zoo}
     */
    public static Path cacheRoot() {
        String p = System.getProperty("layerskip.zoo.cache");
        return p != null ? Paths.get(p) : Utils.getCacheDir().resolve("layerskip-zoo");
    }

    /**
     * Locates a bundled model with this class's loader and the default cache.
     *
     * @param id the zoo id
     * @return the model folder, or empty if not bundled in this build
     */
    public static Optional<Path> locate(String id) {
        return locate(id, BundledModels.class.getClassLoader(), cacheRoot());
    }

    /**
     * Locates a bundled model.
     *
     * @param id the zoo id
     * @param loader where to look for the resources
     * @param cacheRoot where jar resources are extracted
     * @return the model folder, or empty if the resources have no {@code config.json}
     */
    public static Optional<Path> locate(String id, ClassLoader loader, Path cacheRoot) {
        String prefix = RESOURCE_ROOT + id + "/";
        URL url = loader.getResource(prefix + "config.json");
        if (url == null) {
            return Optional.empty();
        }
        try {
            if ("file".equals(url.getProtocol())) {
                return Optional.of(Paths.get(url.toURI()).getParent());
            }
            if ("jar".equals(url.getProtocol())) {
                JarURLConnection c = (JarURLConnection) url.openConnection();
                c.setUseCaches(false);
                try (JarFile jar = c.getJarFile()) {
                    return Optional.of(extract(jar, prefix, id, cacheRoot));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract bundled model " + id + ": " + e, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException(
                "bundled model "
                        + id
                        + " is at an unsupported URL "
                        + url
                        + " (need file: or jar:)");
    }

    /**
     * Reads the held-out text bundled with the tiny models: Python standard-library sources that
     * neither the tokenizer nor the models saw in training ({@code scripts/train_tokenizer.py}).
     *
     * @return the UTF-8 text, or empty if this build bundles none
     * @throws UncheckedIOException if the resource cannot be read
     */
    public static Optional<String> heldoutText() {
        try (InputStream in =
                BundledModels.class
                        .getClassLoader()
                        .getResourceAsStream(RESOURCE_ROOT + HELDOUT_FILE)) {
            if (in == null) {
                return Optional.empty();
            }
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled " + HELDOUT_FILE + ": " + e, e);
        }
    }

    private static Path extract(JarFile jar, String prefix, String id, Path cacheRoot)
            throws IOException {
        List<JarEntry> entries = new ArrayList<>();
        MessageDigest md = sha256();
        Enumeration<JarEntry> all = jar.entries();
        while (all.hasMoreElements()) {
            JarEntry e = all.nextElement();
            if (!e.isDirectory() && e.getName().startsWith(prefix)) {
                String rel = e.getName().substring(prefix.length());
                if (rel.contains("..") || rel.startsWith("/")) {
                    throw new IOException("unsafe entry name " + e.getName());
                }
                entries.add(e);
            }
        }
        entries.sort(Comparator.comparing(JarEntry::getName));
        for (JarEntry e : entries) {
            md.update(
                    (e.getName() + ':' + e.getSize() + ':' + e.getCrc() + '\n')
                            .getBytes(StandardCharsets.UTF_8));
        }
        String stamp = HexFormat.of().formatHex(md.digest()).substring(0, 12);
        Path target = cacheRoot.resolve(id + "-" + stamp);
        if (Files.isRegularFile(target.resolve(COMPLETE))) {
            return target;
        }
        Files.createDirectories(cacheRoot);
        Path tmp = Files.createTempDirectory(cacheRoot, id + ".tmp");
        try {
            for (JarEntry e : entries) {
                Path out = tmp.resolve(e.getName().substring(prefix.length()));
                Files.createDirectories(out.getParent());
                try (InputStream in = jar.getInputStream(e)) {
                    Files.copy(in, out);
                }
            }
            Files.writeString(tmp.resolve(COMPLETE), stamp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // Another process won the race (or the target is a stale partial folder).
                if (!Files.isRegularFile(target.resolve(COMPLETE))) {
                    throw e;
                }
            } catch (IOException e) {
                if (!Files.isRegularFile(target.resolve(COMPLETE))) {
                    throw e;
                }
            }
        } finally {
            deleteTree(tmp);
        }
        return target;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
