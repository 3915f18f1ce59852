/**
 * Test support shared by every module's tests: {@link org.layerskip.testing.Assertions}. Packaged
 * alone as {@code layerskip-djl}'s {@code tests} jar.
 */
package org.layerskip.testing;
