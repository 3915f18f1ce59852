/**
 * Hugging Face safetensors checkpoints: a validating reader for single files ({@link
 * org.layerskip.io.SafetensorsFile}) and model folders, sharded or not ({@link
 * org.layerskip.io.Checkpoint}), and atomic writers ({@link org.layerskip.io.SafetensorsWriter},
 * {@link org.layerskip.io.CheckpointWriter}).
 *
 * <p>Files are treated as untrusted: every header field is checked before anything is allocated,
 * offsets are {@code long} so files and shards larger than 2 GiB work, tensors are read one at a
 * time, and BF16 is converted in Java because the PyTorch engine cannot hold BF16. A shard that is
 * truncated, rewritten or replaced while it is read is reported, naming the file and tensor.
 *
 * <p>Loading a model ({@link org.layerskip.io.HfLlama#load}) copies each weight once: the engine
 * allocates the parameters and every tensor is read from its file straight into a parameter's
 * memory, converted in bounded chunks where the types differ, so peak memory is the weights plus a
 * fixed base; a model larger than the memory available is refused before anything is allocated.
 */
package org.layerskip.io;
