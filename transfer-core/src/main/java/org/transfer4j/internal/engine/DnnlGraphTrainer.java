package org.transfer4j.internal.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_0;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;

import java.lang.ref.Reference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.normalization_flags;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.global.dnnl.scratchpad_mode;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.primitive_desc_base;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.Precision;
import org.transfer4j.internal.graph.Activation;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.internal.graph.Op;
import org.transfer4j.internal.graph.Padding;

/**
 * {@link GraphTrainer} on oneDNN primitives: forward for training and backward through a part of a layer graph.
 *
 * <p>Each node of the part is one primitive (or a few), with two fusions: a convolution's own {@code activation}
 * is an eltwise post-op (its backward an eltwise backward from the convolution's output), and a {@code ZeroPadding2D}
 * read only by one convolution becomes that convolution's asymmetric padding (its backward-data primitive then
 * writes the gradient of the unpadded tensor directly). Convolutions and depthwise convolutions (grouped, groups =
 * channels) run forward, backward-data and backward-weights; BatchNormalization runs oneDNN's batch normalization
 * with {@code use_global_stats | use_scale | use_shift} (Keras's inference mode: {@code dx = dy·γ/√(σ²+ε)},
 * {@code dγ = Σ dy·x̂}, {@code dβ = Σ dy}); ReLU/ReLU6 run eltwise from their output; max pools keep a workspace;
 * global average pooling is an average pool over the whole map; Add hands its gradient to both inputs; a tensor read
 * by several nodes sums their gradients (the first writes, the others add with a binary primitive). Only nodes
 * whose output lies on a path from a trainable layer or a gradient tensor to {@code to} run backward, and they
 * compute input gradients only for inputs on such a path.
 *
 * <p>Memory: per batch size a plan (at most two kept) is built once: NHWC activations, one buffer per tensor the
 * backward pass reads (the input is copied in, so the caller may reuse its array; tensors only the forward pass reads
 * share buffers of their size by reference counts), the kernels in the layouts the primitives choose (reordered from
 * the caller's Keras-layout arrays on every forward, since they change between steps), gradient buffers taken from a
 * pool and given back when the producer of their tensor has run backward (reference counts; this backward half is
 * planned on the first backward pass of a batch size, so one that only runs forward builds none), pooling workspaces,
 * one user scratchpad for every primitive, and the output, gradient and activation arrays handed back. A step
 * then allocates no native memory. {@link Precision#BF16} keeps activations, their gradients and the kernels the
 * primitives read in bf16 with fp32 accumulation; the weights passed in, the weight gradients, BatchNormalization's
 * parameters, and the arrays handed back are fp32.
 *
 * <p>Not thread-safe.
 */
final class DnnlGraphTrainer implements GraphTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(DnnlGraphTrainer.class);
    private static final int PLANS_KEPT = 2;

    private enum Kind { CONV, BN, RELU, MAX_POOL, AVG_POOL, PAD, ADD, FLATTEN }

    /** One node of the part (a folded padding is part of its convolution's step). */
    private static final class Step {
        final Kind kind;
        final String name;
        final List<String> inputs = new ArrayList<>();
        int kernel;
        int stride;
        boolean depthwise;
        boolean bias;
        int padTop;
        int padBottom;
        int padLeft;
        int padRight;
        Activation activation = Activation.NONE;
        double epsilon;
        /** Weight short names and Keras shapes. */
        Map<String, int[]> weights = Map.of();
        boolean trainable;
        boolean backward;
        boolean[] inputGradient;

        Step(Kind kind, String name) {
            this.kind = kind;
            this.name = name;
        }
    }

    private final Graph graph;
    private final String from;
    private final String to;
    private final Precision precision;
    private final Dnnl dnnl;
    private final List<Step> steps = new ArrayList<>();
    private final List<String> gradientTensors;
    private final int[] fromShape;
    private final int[] toShape;
    private final Map<Integer, Plan> plans = new LinkedHashMap<>(4, 0.75f, true);
    private Plan last;
    private boolean closed;

    DnnlGraphTrainer(Graph graph, String from, String to, Set<String> trainable, Set<String> gradientTensors,
            Precision precision) {
        if (precision == Precision.AUTO) {
            throw new IllegalArgumentException("Precision AUTO must be resolved before building an engine");
        }
        this.precision = precision.resolve();
        this.graph = graph;
        this.from = from;
        this.to = to;
        List<Graph.Node> part = graph.between(from, to);
        if (part.isEmpty()) {
            throw new IllegalArgumentException("The part from " + from + " to " + to + " of " + graph.name()
                    + " has no layers");
        }
        Set<String> inPart = new HashSet<>();
        for (Graph.Node n : part) {
            inPart.add(n.name());
        }
        for (String t : trainable) {
            if (!inPart.contains(t)) {
                throw new IllegalArgumentException("Trainable layer '" + t + "' is not in the part from " + from
                        + " to " + to + " of " + graph.name() + "; its layers are " + part.stream()
                        .map(Graph.Node::name).toList());
            }
        }
        for (String t : gradientTensors) {
            if (!t.equals(from) && !inPart.contains(t)) {
                throw new IllegalArgumentException("Gradient tensor '" + t + "' is not in the part from " + from
                        + " to " + to + " of " + graph.name());
            }
        }
        this.gradientTensors = List.copyOf(new LinkedHashSet<>(gradientTensors));
        this.fromShape = graph.shape(from);
        this.toShape = graph.shape(to);
        compile(part, inPart, trainable, gradientTensors);
        this.dnnl = Dnnl.get();
    }

    private void compile(List<Graph.Node> part, Set<String> inPart, Set<String> trainable, Set<String> gradients) {
        // a zero padding read by exactly one convolution of the part (and not asked for) is that convolution's padding
        Map<String, Graph.Node> folded = new HashMap<>();
        for (Graph.Node n : part) {
            if (n.op() instanceof Op.ZeroPadding2D && !n.name().equals(to) && !gradients.contains(n.name())) {
                List<String> readers = graph.consumers(n.name()).stream().filter(inPart::contains).toList();
                if (readers.size() == 1) {
                    Op reader = graph.node(readers.get(0)).op();
                    if (reader instanceof Op.Conv2D || reader instanceof Op.DepthwiseConv2D) {
                        folded.put(n.name(), n);
                    }
                }
            }
        }
        Set<String> flows = new HashSet<>(gradients);
        for (Graph.Node n : part) {
            if (folded.containsKey(n.name())) {
                continue;
            }
            Op op = n.op();
            int[] in = graph.shape(n.inputs().get(0));
            Step s;
            if (op instanceof Op.Conv2D c) {
                s = new Step(Kind.CONV, n.name());
                s.kernel = c.kernel();
                s.stride = c.stride();
                s.bias = c.useBias();
                s.activation = c.activation();
                setPadding(s, c.padding(), in);
            } else if (op instanceof Op.DepthwiseConv2D d) {
                s = new Step(Kind.CONV, n.name());
                s.kernel = d.kernel();
                s.stride = d.stride();
                s.depthwise = true;
                s.bias = d.useBias();
                s.activation = d.activation();
                setPadding(s, d.padding(), in);
            } else if (op instanceof Op.BatchNormalization bn) {
                s = new Step(Kind.BN, n.name());
                s.epsilon = bn.epsilon();
            } else if (op instanceof Op.Relu r) {
                s = new Step(Kind.RELU, n.name());
                s.activation = r.activation();
            } else if (op instanceof Op.MaxPooling2D p) {
                s = new Step(Kind.MAX_POOL, n.name());
                s.kernel = p.pool();
                s.stride = p.stride();
                setPadding(s, p.padding(), in);
            } else if (op instanceof Op.GlobalAveragePooling2D) {
                s = new Step(Kind.AVG_POOL, n.name());
            } else if (op instanceof Op.ZeroPadding2D z) {
                s = new Step(Kind.PAD, n.name());
                s.padTop = z.top();
                s.padBottom = z.bottom();
                s.padLeft = z.left();
                s.padRight = z.right();
            } else if (op instanceof Op.Add) {
                s = new Step(Kind.ADD, n.name());
            } else if (op instanceof Op.Flatten) {
                s = new Step(Kind.FLATTEN, n.name());
            } else {
                throw new IllegalArgumentException("The oneDNN trainer cannot run layer " + n.name() + " ("
                        + op.type().kerasName() + ") of " + graph.name());
            }
            s.inputs.addAll(n.inputs());
            Graph.Node pad = folded.get(s.inputs.get(0));
            if (pad != null) {
                Op.ZeroPadding2D z = (Op.ZeroPadding2D) pad.op();
                s.inputs.set(0, pad.inputs().get(0));
                s.padTop += z.top();
                s.padBottom += z.bottom();
                s.padLeft += z.left();
                s.padRight += z.right();
            }
            s.weights = graph.weightShapes(n);
            s.trainable = trainable.contains(n.name()) && !s.weights.isEmpty();
            s.inputGradient = new boolean[s.inputs.size()];
            boolean any = s.trainable;
            for (int i = 0; i < s.inputs.size(); i++) {
                s.inputGradient[i] = flows.contains(s.inputs.get(i));
                any |= s.inputGradient[i];
            }
            if (any) {
                flows.add(n.name());
            }
            s.backward = flows.contains(n.name());
            steps.add(s);
        }
    }

    private static void setPadding(Step s, Padding p, int[] in) {
        s.padTop = p.before(in[0], s.kernel, s.stride);
        s.padBottom = p.after(in[0], s.kernel, s.stride);
        s.padLeft = p.before(in[1], s.kernel, s.stride);
        s.padRight = p.after(in[1], s.kernel, s.stride);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The interface

    @Override
    public INDArray forward(INDArray x, Map<String, INDArray> params) {
        checkOpen();
        if (x.rank() != fromShape.length + 1 || !Arrays.equals(Arrays.copyOfRange(x.shape(), 1, x.rank()),
                Arrays.stream(fromShape).asLongStream().toArray())) {
            throw new IllegalArgumentException("Expected " + from + " of " + graph.name() + " as [n, "
                    + joined(fromShape) + "]; got " + Arrays.toString(x.shape()));
        }
        x = plain(x);
        int n = Math.toIntExact(x.size(0));
        Plan plan = plans.get(n);
        if (plan == null) {
            plan = new Plan(n);
            plans.put(n, plan);
            if (plans.size() > PLANS_KEPT) {
                Integer oldest = plans.keySet().iterator().next();
                Plan dropped = plans.remove(oldest);
                if (dropped == last) {
                    last = null;
                }
                dropped.close();
            }
        }
        plan.forward(x, params);
        last = plan;
        return plan.output;
    }

    @Override
    public Map<String, INDArray> backward(INDArray dOut) {
        checkOpen();
        if (last == null) {
            throw new IllegalStateException("backward before any forward");
        }
        if (!Arrays.equals(dOut.shape(), last.output.shape())) {
            throw new IllegalArgumentException("Gradient of " + to + " " + Arrays.toString(dOut.shape())
                    + " does not match the output " + Arrays.toString(last.output.shape()));
        }
        try {
            last.backward(plain(dOut));
        } catch (IllegalStateException e) {
            // a backward half that could not be planned leaves the plan half-built: drop it
            plans.values().remove(last);
            last.close();
            last = null;
            throw e;
        }
        return last.gradientsView;
    }

    @Override
    public INDArray activation(String tensor) {
        checkOpen();
        if (!gradientTensors.contains(tensor)) {
            throw new IllegalArgumentException("Tensor '" + tensor + "' is not one of the gradient tensors "
                    + gradientTensors);
        }
        if (last == null) {
            throw new IllegalStateException("activation before forward");
        }
        return last.activations.get(tensor);
    }

    @Override
    public String description() {
        return "oneDNN " + precision.cliName();
    }

    @Override
    public void close() {
        for (Plan p : plans.values()) {
            p.close();
        }
        plans.clear();
        last = null;
        closed = true;
    }

    /** Number of plans held (one per recent batch size), for tests. */
    int planCount() {
        return plans.size();
    }

    /** Which oneDNN implementation each primitive of the last plan runs, for logs and tests. */
    List<String> implementations() {
        return last == null ? List.of() : List.copyOf(last.implementations);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This trainer is closed");
        }
    }

    private static INDArray plain(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.isView() || a.ordering() != 'c' || a.offset() != 0) {
            return a.castTo(DataType.FLOAT).dup('c');
        }
        return a;
    }

    private static String joined(int[] s) {
        return String.join(", ", Arrays.stream(s).mapToObj(Integer::toString).toList());
    }

    private static long product(int[] s) {
        long p = 1;
        for (int d : s) {
            p *= d;
        }
        return p;
    }

    private static long[] nchw(int n, int[] s) {
        return s.length == 3 ? new long[] {n, s[2], s[0], s[1]} : new long[] {n, s[0], 1, 1};
    }

    private static long[] withBatch(int n, int[] s) {
        long[] out = new long[s.length + 1];
        out[0] = n;
        for (int i = 0; i < s.length; i++) {
            out[i + 1] = s[i];
        }
        return out;
    }

    private static memory.desc md(long[] dims, memory.data_type type, memory.format_tag tag) {
        return new memory.desc(dims, type, tag);
    }

    private static algorithm eltwiseFor(Activation a) {
        return a == Activation.RELU ? algorithm.eltwise_relu_use_dst_for_bwd
                : algorithm.eltwise_clip_v2_use_dst_for_bwd;
    }

    private static float betaFor(Activation a) {
        return a == Activation.RELU6 ? 6f : 0f;
    }

    private record Exec(primitive primitive, IntMemoryMap args) {
    }

    /** A weight the caller passes: its user memory (Keras layout, fp32) and where a forward puts it. */
    private record Param(String key, long[] shape, memory user) {
    }

    /** A BatchNormalization parameter copied into a plan-owned buffer on each forward. */
    private record Copied(String key, long[] shape, Pointer target, long bytes) {
    }

    /** Primitives, buffers and argument maps for one batch size. */
    private final class Plan {
        final int n;
        final engine eng;
        final memory.data_type act;
        final int elem;
        final PlanResources res;
        final List<Object[]> withScratch = new ArrayList<>();
        long scratch = 64;
        final List<Exec> weightReorders = new ArrayList<>();
        final List<Exec> forwardExecs = new ArrayList<>();
        final List<Exec> backwardExecs = new ArrayList<>();
        final List<Param> params = new ArrayList<>();
        final List<Copied> copied = new ArrayList<>();
        final List<String> implementations = new ArrayList<>();
        final Map<String, memory> value = new HashMap<>();
        final Map<String, INDArray> activations = new HashMap<>();
        final Map<String, INDArray> gradients = new LinkedHashMap<>();
        final Map<String, INDArray> gradientsView = Collections.unmodifiableMap(gradients);
        final memory userIn;
        final memory userDiffOut;
        final INDArray output;
        // the backward pass's gradient buffers: a pool of equal buffers and reference counts
        final Deque<memory> free = new ArrayDeque<>();
        long poolBytes;
        final Map<String, memory> diffBuffer = new HashMap<>();
        final Map<String, memory> diff = new HashMap<>();
        final Map<String, Integer> contributionsLeft = new HashMap<>();
        boolean backwardPlanned;
        memory scratchpad;
        long scratchpadBytes;
        int bound;
        /** The weights of the last forward: their addresses are in the kernel reorders' user memories. */
        Map<String, INDArray> lastWeights;

        Plan(int n) {
            this.n = n;
            this.eng = dnnl.engine();
            this.res = new PlanResources(eng);
            this.act = precision == Precision.BF16 ? memory.data_type.bf16 : memory.data_type.f32;
            this.elem = precision == Precision.BF16 ? 2 : 4;
            try {
                // the input, copied in (and to bf16): the backward pass reads it after the caller has its array back
                userIn = res.wrap(md(nchw(n, fromShape), memory.data_type.f32, memory.format_tag.nhwc));
                memory in = res.owned(tensorDesc(from));
                value.put(from, in);
                copy(forwardExecs, userIn, in, "input");
                planForwardBuffers();
                for (Step s : steps) {
                    planForward(s);
                    for (String t : s.inputs) {
                        if (forwardReadsLeft.merge(t, -1, Integer::sum) == 0 && !kept.contains(t)) {
                            memory buf = valueBuffer.remove(t);
                            if (buf != null) {
                                forwardPool.computeIfAbsent(buf.get_desc().get_size(), k -> new ArrayDeque<>())
                                        .push(buf);
                            }
                        }
                    }
                }
                output = Nd4j.createUninitialized(DataType.FLOAT, withBatch(n, toShape));
                copy(forwardExecs, value.get(to), onArray(output, toShape), "output");
                for (String t : gradientTensors) {
                    INDArray a = Nd4j.createUninitialized(DataType.FLOAT, withBatch(n, graph.shape(t)));
                    activations.put(t, a);
                    // the part's input as the caller passed it (in bf16 the plan's copy is rounded)
                    memory src = t.equals(from) ? userIn : value.get(t);
                    copy(forwardExecs, src, onArray(a, graph.shape(t)), t + " activation");
                }
                userDiffOut = res.wrap(md(nchw(n, toShape), memory.data_type.f32, memory.format_tag.nhwc));
                bindScratchpad();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        /**
         * The backward half of the plan, made on the first backward pass for this batch size (a batch size that only
         * runs forward, e.g. evaluation, builds no backward primitives and no gradient buffers). The kernel reorders
         * it adds for backward-data primitives run once here on the last forward's weights, then on every forward.
         */
        private void planBackwardPass() {
            int reordersBefore = weightReorders.size();
            for (Step s : steps) {
                if (s.backward) {
                    poolBytes = Math.max(poolBytes, n * product(graph.shape(s.name)) * elem);
                    for (String t : s.inputs) {
                        poolBytes = Math.max(poolBytes, n * product(graph.shape(t)) * elem);
                    }
                    for (int i = 0; i < s.inputs.size(); i++) {
                        if (s.inputGradient[i]) {
                            contributionsLeft.merge(s.inputs.get(i), 1, Integer::sum);
                        }
                    }
                }
            }
            if (steps.stream().anyMatch(s -> s.backward)) {
                // copied in (and to bf16): plan-owned memories may be viewed in other shapes at plan time
                memory buf = take();
                diffBuffer.put(to, buf);
                memory d = res.view(tensorDesc(to), buf);
                diff.put(to, d);
                copy(backwardExecs, userDiffOut, d, "output gradient");
                if (gradientTensors.contains(to)) {
                    completed(to);
                }
                for (int i = steps.size() - 1; i >= 0; i--) {
                    Step s = steps.get(i);
                    if (s.backward) {
                        planBackward(s);
                        release(s.name);
                    }
                }
            }
            bindScratchpad();
            stream st = dnnl.stream();
            for (Exec e : weightReorders.subList(reordersBefore, weightReorders.size())) {
                e.primitive().execute(st, e.args());
            }
            st._wait();
            Reference.reachabilityFence(lastWeights);
            backwardPlanned = true;
            if (LOG.isDebugEnabled()) {
                LOG.debug("oneDNN trainer plan for {} {} to {}, batch {} ({}): gradient pool {} MB, scratchpad {} MB;"
                        + " {}", graph.name(), from, to, n, precision.cliName(), poolBytes >> 20, scratch >> 20,
                        implementations);
            }
        }

        /** One scratchpad for every primitive: (re)made when a primitive needs more, bound to the new ones. */
        private void bindScratchpad() {
            if (scratchpad == null || scratch > scratchpadBytes) {
                scratchpad = res.owned(md(new long[] {scratch}, memory.data_type.u8, memory.format_tag.a));
                scratchpadBytes = scratch;
                bound = 0;
            }
            for (Object[] pa : withScratch.subList(bound, withScratch.size())) {
                ((IntMemoryMap) pa[1]).put(DNNL_ARG_SCRATCHPAD, res.view(scratchpadOf((Pointer) pa[0]), scratchpad));
            }
            bound = withScratch.size();
        }

        memory.desc tensorDesc(String t) {
            return md(nchw(n, graph.shape(t)), act, memory.format_tag.nhwc);
        }

        // ---------------------------------------------------------------------------------------------------------
        // Forward

        /** Tensors whose values the backward pass (or the end of the forward pass) reads. */
        final Set<String> kept = new HashSet<>();
        final Map<String, Integer> forwardReadsLeft = new HashMap<>();
        final Map<String, memory> valueBuffer = new HashMap<>();
        final Map<Long, Deque<memory>> forwardPool = new HashMap<>();

        /**
         * Which values outlive the forward pass: a trainable convolution's input, the output of a fused or separate
         * ReLU (its backward runs from it), a BatchNormalization's input, a padding's output (its zero border is
         * written once), {@code to} and the gradient tensors. The others share buffers of their size once their last
         * reader ran.
         */
        private void planForwardBuffers() {
            kept.add(to);
            kept.addAll(gradientTensors);
            for (Step s : steps) {
                for (String t : s.inputs) {
                    forwardReadsLeft.merge(t, 1, Integer::sum);
                }
                if (s.kind == Kind.PAD) {
                    kept.add(s.name);
                }
                if (!s.backward) {
                    continue;
                }
                switch (s.kind) {
                    case CONV -> {
                        if (s.trainable) {
                            kept.add(s.inputs.get(0));
                        }
                        if (s.activation != Activation.NONE) {
                            kept.add(s.name);
                        }
                    }
                    case BN -> kept.add(s.inputs.get(0));
                    case RELU -> kept.add(s.name);
                    default -> {
                    }
                }
            }
        }

        private void planForward(Step s) {
            memory src = value.get(s.inputs.get(0));
            memory.desc dstDesc = tensorDesc(s.name);
            memory dst;
            Deque<memory> free = kept.contains(s.name) ? null : forwardPool.get(dstDesc.get_size());
            if (free != null && !free.isEmpty()) {
                dst = res.view(dstDesc, free.pop());
            } else {
                dst = res.owned(dstDesc);
            }
            valueBuffer.put(s.name, dst);
            value.put(s.name, dst);
            try {
                switch (s.kind) {
                    case CONV -> planConv(s, src, dst);
                    case BN -> planBatchNorm(s, src, dst);
                    case RELU -> {
                        eltwise_forward.primitive_desc pd = new eltwise_forward.primitive_desc(
                                new eltwise_forward.desc(prop_kind.forward_training, eltwiseFor(s.activation),
                                        src.get_desc(), 0f, betaFor(s.activation)), attr(Activation.NONE), eng);
                        add(forwardExecs, pd, new eltwise_forward(pd), args().put(DNNL_ARG_SRC, src)
                                .put(DNNL_ARG_DST, dst), s.name);
                        hints.put(s, pd);
                    }
                    case MAX_POOL, AVG_POOL -> {
                        boolean max = s.kind == Kind.MAX_POOL;
                        int[] in = graph.shape(s.inputs.get(0));
                        long[] kernel = max ? new long[] {s.kernel, s.kernel} : new long[] {in[0], in[1]};
                        long[] strides = max ? new long[] {s.stride, s.stride} : new long[] {1, 1};
                        pooling_forward.primitive_desc pd = new pooling_forward.primitive_desc(new pooling_forward.desc(
                                prop_kind.forward_training, max ? algorithm.pooling_max
                                        : algorithm.pooling_avg_exclude_padding, src.get_desc(), dst.get_desc(),
                                strides, kernel, new long[] {s.padTop, s.padLeft},
                                new long[] {s.padBottom, s.padRight}), attr(Activation.NONE), eng);
                        IntMemoryMap a = args().put(DNNL_ARG_SRC, src).put(DNNL_ARG_DST, dst);
                        if (max) {
                            memory ws = res.owned(pd.workspace_desc());
                            a.put(DNNL_ARG_WORKSPACE, ws);
                            workspaces.put(s, ws);
                        }
                        add(forwardExecs, pd, new pooling_forward(pd), a, s.name);
                        hints.put(s, pd);
                    }
                    case PAD -> {
                        // the border stays zero: the buffer belongs to this tensor and only its inside is written
                        Pointer.memset(dst.get_data_handle(), 0, dst.get_desc().get_size());
                        memory inner = res.view(dst.get_desc().submemory_desc(nchw(n, graph.shape(s.inputs.get(0))),
                                new long[] {0, 0, s.padTop, s.padLeft}), dst);
                        copy(forwardExecs, src, inner, s.name);
                    }
                    case ADD -> {
                        memory src1 = value.get(s.inputs.get(1));
                        binary.primitive_desc pd = new binary.primitive_desc(new binary.desc(algorithm.binary_add,
                                src.get_desc(), src1.get_desc(), dst.get_desc()), attr(Activation.NONE), eng);
                        add(forwardExecs, pd, new binary(pd), args().put(DNNL_ARG_SRC_0, src)
                                .put(DNNL_ARG_SRC_1, src1).put(DNNL_ARG_DST, dst), s.name);
                    }
                    // the same bytes in NHWC order: the input copied into the output seen in the input's shape
                    case FLATTEN -> copy(forwardExecs, src, res.view(src.get_desc(), dst), s.name);
                    default -> throw new IllegalStateException(s.kind.toString());
                }
            } catch (RuntimeException e) {
                throw new IllegalStateException("oneDNN cannot run layer " + s.name + " of " + graph.name() + " ("
                        + precision.cliName() + ", batch " + n + "): " + e.getMessage(), e);
            }
        }

        final Map<Step, primitive_desc_base> hints = new HashMap<>();
        final Map<Step, memory> workspaces = new HashMap<>();
        final Map<Step, memory> kernels = new HashMap<>();
        final Map<Step, memory> userKernels = new HashMap<>();
        final Map<Step, memory[]> bnParams = new HashMap<>();

        private long[] kernelDims(Step s) {
            int in = graph.shape(s.inputs.get(0))[2];
            int out = graph.shape(s.name)[2];
            return s.depthwise ? new long[] {in, 1, 1, s.kernel, s.kernel}
                    : new long[] {out, in, s.kernel, s.kernel};
        }

        private memory.format_tag kernelTag(Step s) {
            return s.depthwise ? memory.format_tag.hwigo : memory.format_tag.hwio;
        }

        private String kernelKey(Step s) {
            return s.name + (s.depthwise ? "_depthwise_kernel" : "_kernel");
        }

        private void planConv(Step s, memory src, memory dst) {
            int out = graph.shape(s.name)[2];
            long[] strides = {s.stride, s.stride};
            long[] padL = {s.padTop, s.padLeft};
            long[] padR = {s.padBottom, s.padRight};
            memory.desc w = md(kernelDims(s), act, memory.format_tag.any);
            memory.desc b = md(new long[] {out}, memory.data_type.f32, memory.format_tag.x);
            convolution_forward.desc d = s.bias
                    ? new convolution_forward.desc(prop_kind.forward_training, algorithm.convolution_direct,
                            src.get_desc(), w, b, dst.get_desc(), strides, padL, padR)
                    : new convolution_forward.desc(prop_kind.forward_training, algorithm.convolution_direct,
                            src.get_desc(), w, dst.get_desc(), strides, padL, padR);
            convolution_forward.primitive_desc pd = new convolution_forward.primitive_desc(d, attr(s.activation), eng);
            memory userKernel = res.wrap(md(kernelDims(s), memory.data_type.f32, kernelTag(s)));
            params.add(new Param(kernelKey(s), toLongs(s.weights.get(s.depthwise ? "depthwise_kernel" : "kernel")),
                    userKernel));
            memory kernel = res.owned(pd.weights_desc());
            copy(weightReorders, userKernel, kernel, s.name + " kernel");
            IntMemoryMap a = args().put(DNNL_ARG_SRC, src).put(DNNL_ARG_WEIGHTS, kernel).put(DNNL_ARG_DST, dst);
            if (s.bias) {
                memory userBias = res.wrap(b);
                params.add(new Param(s.name + "_bias", new long[] {out}, userBias));
                a.put(DNNL_ARG_BIAS, userBias);
            }
            add(forwardExecs, pd, new convolution_forward(pd), a, s.name);
            kernels.put(s, kernel);
            userKernels.put(s, userKernel);
            hints.put(s, pd);
        }

        private void planBatchNorm(Step s, memory src, memory dst) {
            int c = graph.shape(s.name)[2];
            int flags = normalization_flags.use_global_stats.value | normalization_flags.use_scale.value
                    | normalization_flags.use_shift.value;
            batch_normalization_forward.primitive_desc pd = new batch_normalization_forward.primitive_desc(
                    new batch_normalization_forward.desc(prop_kind.forward_training.value, src.get_desc(),
                            (float) s.epsilon, flags), attr(Activation.NONE), eng);
            memory[] p = new memory[4];
            String[] names = {"gamma", "beta", "moving_mean", "moving_variance"};
            for (int i = 0; i < 4; i++) {
                p[i] = res.owned(md(new long[] {c}, memory.data_type.f32, memory.format_tag.x));
                copied.add(new Copied(s.name + "_" + names[i], new long[] {c}, p[i].get_data_handle(), 4L * c));
            }
            bnParams.put(s, p);
            add(forwardExecs, pd, new batch_normalization_forward(pd), args().put(DNNL_ARG_SRC, src)
                    .put(DNNL_ARG_DST, dst).put(DNNL_ARG_SCALE, p[0]).put(DNNL_ARG_SHIFT, p[1])
                    .put(DNNL_ARG_MEAN, p[2]).put(DNNL_ARG_VARIANCE, p[3]), s.name);
            hints.put(s, pd);
        }

        // ---------------------------------------------------------------------------------------------------------
        // Backward

        private void planBackward(Step s) {
            memory dy = diff.get(s.name);
            if (dy == null) {
                throw new IllegalStateException("No gradient reaches " + s.name);
            }
            boolean inputs = false;
            for (boolean b : s.inputGradient) {
                inputs |= b;
            }
            if (!s.trainable && !inputs) {
                return; // a gradient tensor whose inputs need nothing
            }
            try {
                switch (s.kind) {
                    case CONV -> backwardConv(s, dy);
                    case BN -> backwardBatchNorm(s, dy);
                    case RELU -> {
                        eltwise_backward.primitive_desc pd = new eltwise_backward.primitive_desc(
                                new eltwise_backward.desc(eltwiseFor(s.activation), dy.get_desc(),
                                        value.get(s.name).get_desc(), 0f, betaFor(s.activation)), attr(Activation.NONE),
                                eng, (eltwise_forward.primitive_desc) hints.get(s));
                        Target t = begin(s.inputs.get(0));
                        add(backwardExecs, pd, new eltwise_backward(pd), args().put(DNNL_ARG_DST, value.get(s.name))
                                .put(DNNL_ARG_DIFF_DST, dy).put(DNNL_ARG_DIFF_SRC, t.memory), s.name + " backward");
                        end(t);
                    }
                    case MAX_POOL, AVG_POOL -> {
                        boolean max = s.kind == Kind.MAX_POOL;
                        int[] in = graph.shape(s.inputs.get(0));
                        long[] kernel = max ? new long[] {s.kernel, s.kernel} : new long[] {in[0], in[1]};
                        long[] strides = max ? new long[] {s.stride, s.stride} : new long[] {1, 1};
                        pooling_backward.primitive_desc pd = new pooling_backward.primitive_desc(
                                new pooling_backward.desc(max ? algorithm.pooling_max
                                        : algorithm.pooling_avg_exclude_padding, tensorDesc(s.inputs.get(0)),
                                        dy.get_desc(), strides, kernel, new long[] {s.padTop, s.padLeft},
                                        new long[] {s.padBottom, s.padRight}), attr(Activation.NONE), eng,
                                (pooling_forward.primitive_desc) hints.get(s));
                        Target t = begin(s.inputs.get(0));
                        IntMemoryMap a = args().put(DNNL_ARG_DIFF_DST, dy).put(DNNL_ARG_DIFF_SRC, t.memory);
                        if (max) {
                            a.put(DNNL_ARG_WORKSPACE, workspaces.get(s));
                        }
                        add(backwardExecs, pd, new pooling_backward(pd), a,
                                s.name + " backward");
                        end(t);
                    }
                    case PAD -> {
                        if (s.inputGradient[0]) {
                            memory inner = res.view(dy.get_desc().submemory_desc(nchw(n, graph.shape(s.inputs.get(0))),
                                    new long[] {0, 0, s.padTop, s.padLeft}), dy);
                            Target t = begin(s.inputs.get(0));
                            copy(backwardExecs, inner, t.memory, s.name + " backward");
                            end(t);
                        }
                    }
                    case ADD -> {
                        for (int i = 0; i < 2; i++) {
                            if (s.inputGradient[i]) {
                                passOn(s.inputs.get(i), dy, s.name + " backward");
                            }
                        }
                    }
                    case FLATTEN -> {
                        if (s.inputGradient[0]) {
                            passOn(s.inputs.get(0), res.view(tensorDesc(s.inputs.get(0)), dy), s.name + " backward");
                        }
                    }
                    default -> throw new IllegalStateException(s.kind.toString());
                }
            } catch (RuntimeException e) {
                throw new IllegalStateException("oneDNN cannot run the backward pass of layer " + s.name + " of "
                        + graph.name() + " (" + precision.cliName() + ", batch " + n + "): " + e.getMessage(), e);
            }
        }

        private void backwardConv(Step s, memory dy) {
            convolution_forward.primitive_desc fpd = (convolution_forward.primitive_desc) hints.get(s);
            long[] strides = {s.stride, s.stride};
            long[] padL = {s.padTop, s.padLeft};
            long[] padR = {s.padBottom, s.padRight};
            memory src = value.get(s.inputs.get(0));
            memory dPre = dy;
            memory dPreBuffer = null;
            if (s.activation != Activation.NONE) {
                memory y = value.get(s.name);
                eltwise_forward.primitive_desc hint = new eltwise_forward.primitive_desc(new eltwise_forward.desc(
                        prop_kind.forward_training, eltwiseFor(s.activation), y.get_desc(), 0f,
                        betaFor(s.activation)), attr(Activation.NONE), eng);
                res.add(hint);
                eltwise_backward.primitive_desc pd = new eltwise_backward.primitive_desc(new eltwise_backward.desc(
                        eltwiseFor(s.activation), dy.get_desc(), y.get_desc(), 0f, betaFor(s.activation)),
                        attr(Activation.NONE), eng, hint);
                dPreBuffer = take();
                dPre = res.view(dy.get_desc(), dPreBuffer);
                add(backwardExecs, pd, new eltwise_backward(pd), args().put(DNNL_ARG_DST, y).put(DNNL_ARG_DIFF_DST, dy)
                        .put(DNNL_ARG_DIFF_SRC, dPre), s.name + " activation backward");
            }
            int out = graph.shape(s.name)[2];
            if (s.trainable) {
                memory.desc dw = md(kernelDims(s), memory.data_type.f32, memory.format_tag.any);
                memory.desc db = md(new long[] {out}, memory.data_type.f32, memory.format_tag.x);
                convolution_backward_weights.desc d = s.bias
                        ? new convolution_backward_weights.desc(algorithm.convolution_direct, src.get_desc(), dw, db,
                                dPre.get_desc(), strides, padL, padR)
                        : new convolution_backward_weights.desc(algorithm.convolution_direct, src.get_desc(), dw,
                                dPre.get_desc(), strides, padL, padR);
                convolution_backward_weights.primitive_desc pd = new convolution_backward_weights.primitive_desc(d,
                        attr(Activation.NONE), eng, fpd);
                memory dKernel = res.owned(pd.diff_weights_desc());
                IntMemoryMap a = args().put(DNNL_ARG_SRC, src).put(DNNL_ARG_DIFF_DST, dPre)
                        .put(DNNL_ARG_DIFF_WEIGHTS, dKernel);
                String key = kernelKey(s);
                INDArray gKernel = Nd4j.createUninitialized(DataType.FLOAT,
                        toLongs(s.weights.get(s.depthwise ? "depthwise_kernel" : "kernel")));
                gradients.put(key, gKernel);
                if (s.bias) {
                    INDArray gBias = Nd4j.createUninitialized(DataType.FLOAT, out);
                    gradients.put(s.name + "_bias", gBias);
                    a.put(DNNL_ARG_DIFF_BIAS, onArray(gBias, db));
                }
                add(backwardExecs, pd, new convolution_backward_weights(pd), a, s.name + " backward weights");
                copy(backwardExecs, dKernel, onArray(gKernel, md(kernelDims(s), memory.data_type.f32, kernelTag(s))),
                        s.name + " kernel gradient");
            }
            if (s.inputGradient[0]) {
                convolution_backward_data.primitive_desc pd = new convolution_backward_data.primitive_desc(
                        new convolution_backward_data.desc(algorithm.convolution_direct, src.get_desc(),
                                md(kernelDims(s), act, memory.format_tag.any), dPre.get_desc(), strides, padL, padR),
                        attr(Activation.NONE), eng, fpd);
                memory kernel = kernels.get(s);
                if (!pd.weights_desc().equals(kernel.get_desc())) {
                    kernel = res.owned(pd.weights_desc());
                    copy(weightReorders, userKernels.get(s), kernel, s.name + " kernel for backward data");
                }
                Target t = begin(s.inputs.get(0));
                add(backwardExecs, pd, new convolution_backward_data(pd), args().put(DNNL_ARG_DIFF_DST, dPre)
                        .put(DNNL_ARG_WEIGHTS, kernel).put(DNNL_ARG_DIFF_SRC, t.memory), s.name + " backward data");
                end(t);
            }
            if (dPreBuffer != null) {
                free.push(dPreBuffer);
            }
        }

        private void backwardBatchNorm(Step s, memory dy) {
            int c = graph.shape(s.name)[2];
            int flags = normalization_flags.use_global_stats.value | normalization_flags.use_scale.value
                    | normalization_flags.use_shift.value;
            memory src = value.get(s.inputs.get(0));
            // oneDNN 2.5 has no backward_data for these flags: a frozen BN computes dγ, dβ into a buffer of the plan
            batch_normalization_backward.primitive_desc pd = new batch_normalization_backward.primitive_desc(
                    new batch_normalization_backward.desc(prop_kind.backward.value, dy.get_desc(), src.get_desc(),
                            (float) s.epsilon, flags),
                    attr(Activation.NONE), eng, (batch_normalization_forward.primitive_desc) hints.get(s));
            memory[] p = bnParams.get(s);
            Target t = s.inputGradient[0] ? begin(s.inputs.get(0)) : null;
            memory unused = null;
            memory dx;
            if (t != null) {
                dx = t.memory;
            } else {
                unused = take();
                dx = res.view(src.get_desc(), unused);
            }
            IntMemoryMap a = args().put(DNNL_ARG_SRC, src).put(DNNL_ARG_MEAN, p[2]).put(DNNL_ARG_VARIANCE, p[3])
                    .put(DNNL_ARG_SCALE, p[0]).put(DNNL_ARG_SHIFT, p[1]).put(DNNL_ARG_DIFF_DST, dy)
                    .put(DNNL_ARG_DIFF_SRC, dx);
            memory.desc cd = md(new long[] {c}, memory.data_type.f32, memory.format_tag.x);
            if (!s.trainable) {
                a.put(DNNL_ARG_DIFF_SCALE, res.owned(cd)).put(DNNL_ARG_DIFF_SHIFT, res.owned(cd));
            } else {
                INDArray gGamma = Nd4j.createUninitialized(DataType.FLOAT, c);
                INDArray gBeta = Nd4j.createUninitialized(DataType.FLOAT, c);
                gradients.put(s.name + "_gamma", gGamma);
                gradients.put(s.name + "_beta", gBeta);
                a.put(DNNL_ARG_DIFF_SCALE, onArray(gGamma, cd)).put(DNNL_ARG_DIFF_SHIFT, onArray(gBeta, cd));
            }
            add(backwardExecs, pd, new batch_normalization_backward(pd), a, s.name + " backward");
            if (t != null) {
                end(t);
            } else {
                free.push(unused);
            }
        }

        /** Hands {@code dy} (in {@code tensor}'s descriptor) on to {@code tensor}'s gradient: copy or add. */
        private void passOn(String tensor, memory dy, String what) {
            if (diff.containsKey(tensor)) {
                memory acc = diff.get(tensor);
                binary.primitive_desc pd = new binary.primitive_desc(new binary.desc(algorithm.binary_add,
                        acc.get_desc(), dy.get_desc(), acc.get_desc()), attr(Activation.NONE), eng);
                add(backwardExecs, pd, new binary(pd), args().put(DNNL_ARG_SRC_0, acc).put(DNNL_ARG_SRC_1, dy)
                        .put(DNNL_ARG_DST, acc), what + " sum");
                contributed(tensor);
            } else {
                Target t = begin(tensor);
                copy(backwardExecs, dy, t.memory, what);
                end(t);
            }
        }

        /** Where a backward primitive writes its contribution to {@code tensor}'s gradient. */
        private record Target(String tensor, memory memory, memory temporary) {
        }

        private Target begin(String tensor) {
            if (!diff.containsKey(tensor)) {
                memory buf = take();
                diffBuffer.put(tensor, buf);
                memory d = res.view(tensorDesc(tensor), buf);
                diff.put(tensor, d);
                return new Target(tensor, d, null);
            }
            memory tmp = take();
            return new Target(tensor, res.view(tensorDesc(tensor), tmp), tmp);
        }

        private void end(Target t) {
            if (t.temporary() != null) {
                memory acc = diff.get(t.tensor());
                binary.primitive_desc pd = new binary.primitive_desc(new binary.desc(algorithm.binary_add,
                        acc.get_desc(), t.memory().get_desc(), acc.get_desc()), attr(Activation.NONE), eng);
                add(backwardExecs, pd, new binary(pd), args().put(DNNL_ARG_SRC_0, acc)
                        .put(DNNL_ARG_SRC_1, t.memory()).put(DNNL_ARG_DST, acc), t.tensor() + " gradient sum");
                free.push(t.temporary());
            }
            contributed(t.tensor());
        }

        private void contributed(String tensor) {
            int left = contributionsLeft.merge(tensor, -1, Integer::sum);
            if (left == 0 && gradientTensors.contains(tensor)) {
                completed(tensor);
            }
        }

        /** The gradient of {@code tensor} is complete: copy it out if asked for. */
        private void completed(String tensor) {
            INDArray g = Nd4j.createUninitialized(DataType.FLOAT, withBatch(n, graph.shape(tensor)));
            gradients.put(tensor, g);
            copy(backwardExecs, diff.get(tensor), onArray(g, graph.shape(tensor)), tensor + " gradient");
        }

        /** The producer of {@code tensor} ran backward: its gradient buffer goes back to the pool. */
        private void release(String tensor) {
            memory buf = diffBuffer.remove(tensor);
            if (buf != null) {
                free.push(buf);
            }
        }

        private memory take() {
            if (!free.isEmpty()) {
                return free.pop();
            }
            return res.owned(md(new long[] {Math.max(poolBytes, 64)}, memory.data_type.u8, memory.format_tag.a));
        }

        // ---------------------------------------------------------------------------------------------------------
        // Helpers

        private primitive_attr attr(Activation activation) {
            primitive_attr a = new primitive_attr();
            a.set_scratchpad_mode(scratchpad_mode.user);
            if (activation != Activation.NONE) {
                post_ops ops = new post_ops();
                if (activation == Activation.RELU) {
                    ops.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
                } else {
                    ops.append_eltwise(1f, algorithm.eltwise_clip, 0f, 6f);
                }
                a.set_post_ops(ops);
                res.add(ops);
            }
            res.add(a);
            return a;
        }

        private IntMemoryMap args() {
            IntMemoryMap m = new IntMemoryMap();
            res.add(m);
            return m;
        }

        private void add(List<Exec> to, primitive_desc_base pd, primitive p, IntMemoryMap args, String what) {
            res.add(pd);
            res.add(p);
            scratch = Math.max(scratch, scratchpadOf(pd).get_size());
            withScratch.add(new Object[] {pd, args});
            to.add(new Exec(p, args));
            implementations.add(what + ": " + pd.impl_info_str().getString());
        }

        private memory.desc scratchpadOf(Pointer pd) {
            return ((primitive_desc_base) pd).scratchpad_desc();
        }

        private void copy(List<Exec> to, memory src, memory dst, String what) {
            reorder.primitive_desc pd = new reorder.primitive_desc(eng, src.get_desc(), eng, dst.get_desc(),
                    attr(Activation.NONE), false);
            add(to, pd, new reorder(pd), args().put(DNNL_ARG_FROM, src).put(DNNL_ARG_TO, dst), "reorder " + what);
        }

        /** A memory on an array the plan owns (fp32 NHWC for a tensor's shape). */
        private memory onArray(INDArray a, int[] shape) {
            return onArray(a, md(nchw(n, shape), memory.data_type.f32, memory.format_tag.nhwc));
        }

        private memory onArray(INDArray a, memory.desc d) {
            memory m = new memory(d, eng, a.data().addressPointer());
            res.add(m);
            return m;
        }

        void forward(INDArray x, Map<String, INDArray> weights) {
            for (Param p : params) {
                p.user().set_data_handle(address(weights, p.key(), p.shape()));
            }
            for (Copied c : copied) {
                Pointer.memcpy(c.target(), address(weights, c.key(), c.shape()), c.bytes());
            }
            lastWeights = weights;
            userIn.set_data_handle(x.data().addressPointer());
            stream s = dnnl.stream();
            for (Exec e : weightReorders) {
                e.primitive().execute(s, e.args());
            }
            for (Exec e : forwardExecs) {
                e.primitive().execute(s, e.args());
            }
            s._wait();
            Reference.reachabilityFence(weights);
            Reference.reachabilityFence(x);
        }

        void backward(INDArray dOut) {
            if (!backwardPlanned) {
                planBackwardPass();
            }
            userDiffOut.set_data_handle(dOut.data().addressPointer());
            stream s = dnnl.stream();
            for (Exec e : backwardExecs) {
                e.primitive().execute(s, e.args());
            }
            s._wait();
            Reference.reachabilityFence(dOut);
        }

        void close() {
            res.close();
        }
    }

    private static Pointer address(Map<String, INDArray> weights, String key, long[] shape) {
        INDArray a = weights.get(key);
        if (a == null) {
            throw new IllegalArgumentException("Missing weight " + key + " (shape " + Arrays.toString(shape) + ")");
        }
        if (!Arrays.equals(a.shape(), shape)) {
            throw new IllegalArgumentException("Weight " + key + " has shape " + Arrays.toString(a.shape())
                    + "; expected " + Arrays.toString(shape));
        }
        if (a.dataType() != DataType.FLOAT || a.isView() || a.ordering() != 'c' || a.offset() != 0) {
            throw new IllegalArgumentException("Weight " + key + " must be a contiguous c-order float array; got "
                    + a.dataType() + " " + a.ordering() + (a.isView() ? " view" : ""));
        }
        return a.data().addressPointer();
    }

    private static long[] toLongs(int[] s) {
        return Arrays.stream(s).asLongStream().toArray();
    }
}
