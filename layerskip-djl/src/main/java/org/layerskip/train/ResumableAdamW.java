package org.layerskip.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;

import org.layerskip.io.CheckpointException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * AdamW (Loshchilov &amp; Hutter, decoupled weight decay; the update of {@code torch.optim.AdamW})
 * written on NDArrays so that its state (m, v and the per-parameter step count) can be saved and
 * restored exactly; DJL's built-in optimizer keeps that state internal.
 *
 * <p>Per parameter p with gradient g and its own step count k (incremented only when p is updated):
 *
 * <pre>
 * p ← p − lr·λ·p                     (decoupled decay, only for tensors of rank ≥ 2)
 * m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 * p ← p − lr · (m / (1−β1^k)) / (sqrt(v / (1−β2^k)) + ε)
 * </pre>
 *
 * <p>Parameters in the {@code skip} set of {@link #step} are left completely untouched (no decay,
 * no moment update), like {@code torch.optim} for a parameter whose gradient is {@code None}; the
 * trainer uses it for layers that layer dropout skipped for every row of a step (DJL's optimizers
 * would otherwise move them with zero gradients). Gradients are overwritten with zeros after each
 * update.
 *
 * <p>Not thread-safe.
 */
public final class ResumableAdamW {

    private static final NDIndex ELLIPSIS = new NDIndex("...");

    private final Tracker learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    private final Map<String, Slot> slots = new LinkedHashMap<>();

    private static final class Slot {
        NDArray m;
        NDArray v;
        long count;
    }

    /**
     * Creates the optimizer.
     *
     * @param learningRate lr as a function of the 0-based global step
     * @param beta1 β1
     * @param beta2 β2
     * @param epsilon ε
     * @param weightDecay λ (decoupled)
     */
    public ResumableAdamW(
            Tracker learningRate, float beta1, float beta2, float epsilon, float weightDecay) {
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
    }

    /**
     * Returns the learning rate at a step.
     *
     * @param step the 0-based global step
     * @return lr
     */
    public float learningRate(long step) {
        return learningRate.getNewValue((int) Math.min(step, Integer.MAX_VALUE));
    }

    /**
     * Applies one update to every trainable parameter (outside any gradient collector) and zeroes
     * the gradients.
     *
     * @param step the 0-based global step (selects lr)
     * @param parameters the model's parameters by name, e.g. {@code block.getParameters()}
     * @param skip names of parameters to leave untouched this step
     */
    public void step(long step, List<Pair<String, Parameter>> parameters, Set<String> skip) {
        float lr = learningRate(step);
        try (NDScope scope = new NDScope()) {
            update(lr, parameters, skip);
        }
    }

    private void update(float lr, List<Pair<String, Parameter>> parameters, Set<String> skip) {
        for (Pair<String, Parameter> pair : parameters) {
            Parameter parameter = pair.getValue();
            NDArray w = parameter.getArray();
            if (!parameter.requiresGradient() || !w.hasGradient()) {
                continue;
            }
            NDArray g = w.getGradient();
            if (skip.contains(pair.getKey())) {
                zero(g);
                g.close();
                continue;
            }
            Slot s = slots.computeIfAbsent(pair.getKey(), k -> newSlot(w));
            s.count++;
            // In-place updates go through a detached alias of the weights: PyTorch refuses them on
            // a leaf that requires grad while the thread's grad mode is on, which is its default
            // on every thread except the one DJL loaded the engine on.
            NDArray values = w.stopGradient();
            if (weightDecay != 0f && w.getShape().dimension() >= 2) {
                values.subi(values.mul(lr * weightDecay));
            }
            s.m.muli(beta1).addi(g.mul(1f - beta1));
            s.v.muli(beta2).addi(g.square().muli(1f - beta2));
            double c1 = 1.0 - Math.pow(beta1, s.count);
            double c2 = 1.0 - Math.pow(beta2, s.count);
            NDArray denom = s.v.div((float) c2).sqrt().addi(epsilon);
            values.subi(s.m.div(denom).muli((float) (lr / c1)));
            denom.close();
            values.close();
            zero(g);
            g.close();
        }
    }

    /**
     * Overwrites an array with zeros in place. Unlike {@code g.muli(0)} or {@code g.subi(g)}, this
     * also clears NaN and infinity (0 · NaN = NaN), so one bad gradient cannot poison later steps.
     *
     * @param g the array (e.g. a parameter's gradient)
     */
    static void zero(NDArray g) {
        g.set(ELLIPSIS, 0f);
    }

    private static Slot newSlot(NDArray w) {
        Slot s = new Slot();
        s.m = w.zerosLike();
        s.v = w.zerosLike();
        NDScope.unregister(s.m, s.v);
        return s;
    }

    /**
     * Writes m, v and the step counts to a file (DJL NDList encoding, exact float32) and fsyncs it.
     *
     * @param file the file to create (must not exist)
     * @throws IOException if writing fails
     */
    public void save(Path file) throws IOException {
        NDList list = new NDList();
        NDManager manager = null;
        for (Map.Entry<String, Slot> e : slots.entrySet()) {
            manager = e.getValue().m.getManager();
            break;
        }
        try (NDManager tmp = manager == null ? null : manager.newSubManager()) {
            for (Map.Entry<String, Slot> e : slots.entrySet()) {
                Slot s = e.getValue();
                list.add(named(s.m.duplicate(), "m/" + e.getKey()));
                list.add(named(s.v.duplicate(), "v/" + e.getKey()));
                list.add(named(tmp.create(new long[] {s.count}), "k/" + e.getKey()));
            }
            try (FileChannel ch =
                            FileChannel.open(
                                    file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(ch)) {
                if (!list.isEmpty()) {
                    list.encode(out);
                }
                out.flush();
                ch.force(true);
            }
            list.close();
        }
    }

    private static NDArray named(NDArray a, String name) {
        a.setName(name);
        return a;
    }

    /**
     * Replaces the state by the one in a file written by {@link #save}.
     *
     * @param file the file
     * @param parameters the model's parameters (the state arrays go to their managers)
     * @throws IOException if the file is unreadable or does not match the parameters
     */
    public void load(Path file, List<Pair<String, Parameter>> parameters) throws IOException {
        for (Slot s : slots.values()) {
            s.m.close();
            s.v.close();
        }
        slots.clear();
        if (Files.size(file) == 0) {
            return;
        }
        Map<String, Parameter> byName = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : parameters) {
            byName.put(p.getKey(), p.getValue());
        }
        NDManager manager = parameters.get(0).getValue().getArray().getManager();
        try (NDManager tmp = manager.newSubManager();
                InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            NDList list;
            try {
                list = NDList.decode(tmp, in);
            } catch (RuntimeException e) {
                // DJL reports a truncated or foreign file as "Malformed data" without the file
                throw new CheckpointException(
                        file + ": not a valid optimizer state (" + e.getMessage() + ")", e);
            }
            if (list.size() % 3 != 0) {
                throw new CheckpointException(
                        file + ": " + list.size() + " arrays, not (m, v, count) triples");
            }
            for (int i = 0; i < list.size(); i += 3) {
                String name = checkedName(file, list, i);
                Parameter p = byName.get(name);
                if (p == null) {
                    throw new CheckpointException(
                            file + ": optimizer state for unknown parameter " + name);
                }
                for (int k = 0; k < 2; k++) {
                    if (!list.get(i + k).getShape().equals(p.getArray().getShape())) {
                        throw new CheckpointException(
                                file
                                        + ": optimizer state "
                                        + list.get(i + k).getName()
                                        + " has shape "
                                        + list.get(i + k).getShape()
                                        + ", the parameter "
                                        + p.getArray().getShape());
                    }
                }
                if (list.get(i + 2).size() != 1 || list.get(i + 2).getLong(0) < 1) {
                    throw new CheckpointException(file + ": invalid update count for " + name);
                }
                Slot s = new Slot();
                NDManager owner = p.getArray().getManager();
                // duplicate(), not toType(FLOAT32, true): DJL's PyTorch toType does not copy a
                // tensor that already has the type, so the moments would alias the decoded
                // arrays' direct buffers, which the GC frees after tmp closes (use-after-free:
                // non-finite losses or heap corruption after a resume, depending on GC timing)
                s.m = list.get(i).toType(DataType.FLOAT32, false).duplicate();
                s.v = list.get(i + 1).toType(DataType.FLOAT32, false).duplicate();
                s.m.attach(owner);
                s.v.attach(owner);
                s.count = list.get(i + 2).getLong(0);
                slots.put(name, s);
            }
        }
    }

    /** The parameter name of triple {@code i}: arrays named m/NAME, v/NAME, k/NAME. */
    private static String checkedName(Path file, NDList list, int i) throws CheckpointException {
        String m = String.valueOf(list.get(i).getName());
        String name = m.startsWith("m/") ? m.substring(2) : null;
        if (name == null
                || !("v/" + name).equals(list.get(i + 1).getName())
                || !("k/" + name).equals(list.get(i + 2).getName())) {
            throw new CheckpointException(
                    file
                            + ": arrays "
                            + i
                            + ".."
                            + (i + 2)
                            + " are not the m/, v/, k/ state of one parameter");
        }
        return name;
    }

    /**
     * Returns how many parameters have state.
     *
     * @return the number of slots
     */
    public int size() {
        return slots.size();
    }
}
