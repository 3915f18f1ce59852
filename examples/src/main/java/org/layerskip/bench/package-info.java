/**
 * JMH benchmarks of the library (run them with {@code scripts/layerskip jmh}); the numbers in the
 * README's training section and its survey of half-precision kernels come from here. Benchmarks
 * live in the examples module so that the library itself does not depend on JMH.
 */
package org.layerskip.bench;
