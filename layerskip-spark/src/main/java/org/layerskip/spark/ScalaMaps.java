package org.layerskip.spark;

import scala.collection.JavaConverters;

import java.util.Map;

/** Java maps as the Scala {@code Map} that a {@code Row} must hold for a map column. */
final class ScalaMaps {

    private ScalaMaps() {}

    /**
     * Wraps a map.
     *
     * @param map the entries
     * @param <K> key type
     * @param <V> value type
     * @return a Scala view of the map (no copy), or null for null
     */
    static <K, V> scala.collection.Map<K, V> of(Map<K, V> map) {
        return map == null ? null : JavaConverters.mapAsScalaMap(map);
    }
}
