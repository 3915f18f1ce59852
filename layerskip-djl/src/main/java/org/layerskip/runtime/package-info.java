/**
 * Process-wide settings the library chooses for itself before DJL starts its engine: {@link
 * org.layerskip.runtime.ThreadDefaults} (OpenMP threads that sleep instead of spinning while they
 * wait, and a moderate LibTorch intra-op thread count, unless the user chose otherwise), applied by
 * {@link org.layerskip.runtime.EngineStartHook} when DJL looks up its engines. Depends on no other
 * package of the library.
 */
package org.layerskip.runtime;
