package org.layerskip.zoo;

import ai.djl.repository.Artifact;
import ai.djl.repository.MRL;
import ai.djl.repository.Metadata;
import ai.djl.repository.Repository;
import ai.djl.repository.RepositoryFactory;
import ai.djl.repository.SimpleRepository;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Serves {@code djl://org.layerskip/<id>} URLs offline.
 *
 * <p>Why this exists: DJL's built-in {@code djl://} factory always turns a URL into a remote
 * repository on {@code https://mlrepo.djl.ai}, whatever zoo the group id names, so {@code
 * optModelUrls("djl://org.layerskip/tiny-layerskip")} would try to download. This factory is
 * registered for the {@code djl} scheme through {@code META-INF/services} (DJL registers service
 * factories after its own, so it takes the scheme over); URLs of every other group id are handed to
 * DJL's original factory unchanged.
 *
 * <p>For {@code org.layerskip} the model folder is resolved at once ({@link LayerSkipModels}:
 * {@code ?modelDir=} query, {@code $LAYERSKIP_MODELS}, or the bundled copy) and served as a local
 * repository whose artifact carries the LayerSkip translator and block factories, the entry's
 * recommended E and d, and the load option {@code hasParameter=false}. Criteria arguments still
 * override them.
 */
public final class LayerSkipRepositoryFactory implements RepositoryFactory {

    private final RepositoryFactory builtin = builtinDjlFactory();

    /** {@inheritDoc} */
    @Override
    public Repository newInstance(String name, URI uri) {
        if (!LayerSkipModelZoo.GROUP_ID.equals(uri.getHost())) {
            if (builtin == null) {
                throw new IllegalArgumentException(
                        "cannot resolve " + uri + ": DJL's djl:// factory is not accessible");
            }
            return builtin.newInstance(name, uri);
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String id = path.startsWith("/") ? path.substring(1) : path;
        int slash = id.indexOf('/');
        if (slash >= 0) {
            id = id.substring(0, slash);
        }
        String artifactId = id;
        ZooEntry entry =
                ZooCatalog.find(id)
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "unknown LayerSkip zoo model '"
                                                        + artifactId
                                                        + "' in "
                                                        + uri));
        Map<String, Object> query = new LinkedHashMap<>();
        if (uri.getQuery() != null) {
            for (String kv : uri.getQuery().split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    query.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
        }
        Path dir = LayerSkipModels.resolve(entry, query);
        Map<String, Object> args = new LayerSkipModelLoader(entry).defaultArguments();
        query.remove("modelDir");
        args.putAll(query);
        return new LayerSkipRepository(name, dir, args);
    }

    /** {@inheritDoc} */
    @Override
    public Set<String> getSupportedScheme() {
        return Set.of("djl");
    }

    private static RepositoryFactory builtinDjlFactory() {
        try {
            Class<?> c =
                    Class.forName("ai.djl.repository.RepositoryFactoryImpl$DjlRepositoryFactory");
            Constructor<?> k = c.getDeclaredConstructors()[0];
            k.setAccessible(true);
            return (RepositoryFactory) k.newInstance(new Object[k.getParameterCount()]);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** A local folder whose single artifact carries LayerSkip arguments and load options. */
    static final class LayerSkipRepository extends SimpleRepository {

        private final Map<String, Object> args;

        LayerSkipRepository(String name, Path dir, Map<String, Object> args) {
            super(name, dir.toUri(), dir);
            this.args = args;
        }

        /** {@inheritDoc} */
        @Override
        public Metadata locate(MRL mrl) throws IOException {
            Metadata m = super.locate(mrl);
            if (m != null && m.getArtifacts() != null) {
                for (Artifact a : m.getArtifacts()) {
                    patch(a);
                }
            }
            return m;
        }

        /** {@inheritDoc} */
        @Override
        public Artifact resolve(MRL mrl, Map<String, String> filter) throws IOException {
            Artifact a = super.resolve(mrl, filter);
            if (a != null) {
                patch(a);
            }
            return a;
        }

        private void patch(Artifact a) {
            Map<String, Object> merged = new LinkedHashMap<>(args);
            if (a.getArguments() != null) {
                merged.putAll(a.getArguments());
            }
            a.setArguments(merged);
            a.setOptions(new LinkedHashMap<>(Map.of("hasParameter", "false")));
        }
    }
}
