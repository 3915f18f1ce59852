/**
 * The LayerSkip DJL model zoo ({@code org.layerskip}): {@link
 * org.layerskip.zoo.LayerSkipZooProvider}, {@link org.layerskip.zoo.LayerSkipModelZoo}, the
 * catalogue of bundled and published models ({@link org.layerskip.zoo.ZooCatalog}), offline {@code
 * djl://org.layerskip/...} URLs ({@link org.layerskip.zoo.LayerSkipRepositoryFactory}) and {@link
 * org.layerskip.zoo.LayerSkipModels}, which turns a zoo id or path into a local folder.
 */
package org.layerskip.zoo;
