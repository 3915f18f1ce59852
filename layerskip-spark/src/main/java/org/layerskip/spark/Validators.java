package org.layerskip.spark;

import scala.Function1;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.util.function.Predicate;

/** Spark ML parameter validators written as Java predicates. */
final class Validators {

    private Validators() {}

    /** A predicate that Spark can serialize with its parameter. */
    interface SerializablePredicate<T> extends Predicate<T>, Serializable {}

    /**
     * Wraps a predicate as the {@code T => Boolean} function Spark's {@code Param} takes.
     *
     * @param p the test
     * @param <T> the value type
     * @return the validator
     */
    static <T> Function1<T, Object> of(SerializablePredicate<T> p) {
        return new Check<>(p);
    }

    private static final class Check<T> extends AbstractFunction1<T, Object>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final SerializablePredicate<T> p;

        Check(SerializablePredicate<T> p) {
            this.p = p;
        }

        @Override
        public Object apply(T value) {
            return value != null && p.test(value);
        }
    }
}
