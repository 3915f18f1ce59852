/**
 * Hugging Face safetensors checkpoints: a validating reader for single files ({@link
 * org.layerskip.io.SafetensorsFile}) and model folders, sharded or not ({@link
 * org.layerskip.io.Checkpoint}), and atomic writers ({@link org.layerskip.io.SafetensorsWriter},
 * {@link org.layerskip.io.CheckpointWriter}).
 *
 * <p>Files are treated as untrusted: every header field is checked before anything is allocated,
 * offsets are {@code long} so files and shards larger than 2 GiB work, tensors are read one at a
 * time, and BF16 is converted to FLOAT32 in Java because the PyTorch engine cannot hold BF16.
 */
package org.layerskip.io;
