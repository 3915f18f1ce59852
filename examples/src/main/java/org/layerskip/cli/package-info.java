/**
 * The {@code layerskip} command line: {@code generate}, {@code bench}, {@code sweep} and {@code
 * eval-layers} over a Hugging Face Llama folder or zoo id. Entry point: {@link
 * org.layerskip.cli.LayerSkipCli}.
 */
package org.layerskip.cli;
