package org.layerskip.spark;

import scala.collection.JavaConverters;
import scala.collection.Seq;

import java.util.List;

/** Java lists as the Scala {@code Seq} that a {@code Row} must hold for an array column. */
final class ScalaSeqs {

    private ScalaSeqs() {}

    /**
     * Wraps a list (no copy).
     *
     * @param list the values
     * @param <T> element type
     * @return a Seq view, or null for null
     */
    static <T> Seq<T> of(List<T> list) {
        return list == null ? null : JavaConverters.asScalaBuffer(list).toSeq();
    }
}
