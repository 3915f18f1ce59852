/**
 * The {@code layerskip} command line: {@code generate}, {@code bench} and {@code sweep} over a Hugging
 * Face Llama folder. Entry point: {@link org.layerskip.cli.LayerSkipCli}.
 */
package org.layerskip.cli;
