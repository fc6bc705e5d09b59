package org.transfer4j.internal.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_0;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import java.lang.ref.Reference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.global.dnnl.scratchpad_mode;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.primitive_desc;
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
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;

/**
 * Runs a frozen layer graph (any {@link Graph}: residual blocks, BatchNormalization, depthwise convolutions, zero
 * padding, pools) up to a cut tensor with oneDNN primitives, for inference.
 *
 * <p>At construction the graph is compiled into <em>steps</em>: a convolution absorbs the BatchNormalization after it
 * (folded into its weights and bias: {@code w·γ/√(σ²+ε)}, {@code (b−μ)·γ/√(σ²+ε)+β}), then an {@code Add} whose other
 * operand is already computed (a {@code sum} post-op: the convolution accumulates into that operand's buffer) and the
 * ReLU/ReLU6 after it (an eltwise post-op, ReLU6 as {@code clip(0, 6)}); a {@code ZeroPadding2D} read only by a
 * convolution becomes that convolution's asymmetric padding (and that of a max pool whose input is a ReLU's output,
 * where zeros and oneDNN's {@code -inf} padding give the same maxima); a depthwise convolution is a grouped one;
 * global average pooling is an average pool over the whole map. What cannot be fused runs as its own primitive
 * (BatchNormalization as a 1×1 depthwise convolution, ReLU as eltwise, Add as binary, padding as a copy into a
 * zeroed buffer).
 *
 * <p>Per batch size a plan is made once: activations in NHWC (fp32, or bf16 for {@link Precision#BF16}), weights
 * reordered once into the layout each primitive wants, one buffer per live tensor taken from a pool and given back
 * when the tensor's last reader ran (reference counts; a {@code sum} post-op writes into its operand's buffer when
 * the {@code Add} is that operand's last reader), one scratchpad for every primitive. A pass allocates nothing but
 * its output array. The output is the cut tensor, NHWC, fp32.
 *
 * <p>Not thread-safe. Native memory is freed when the engine becomes unreachable.
 */
public final class DnnlGraph implements PrefixEngine {
    private static final Logger LOG = LoggerFactory.getLogger(DnnlGraph.class);
    private static final int PLANS_KEPT = 2;

    private final Graph graph;
    private final String cut;
    private final Precision precision;
    private final Dnnl dnnl;
    private final List<Step> steps;
    private final int[] inputShape;
    private final int[] outputShape;
    private final Map<Integer, Plan> plans = new LinkedHashMap<>(4, 0.75f, true);
    /** Reordered weights and bias per convolution step, shared by plans whose primitive wants the same layout. */
    private final Map<Step, memory[]> reorderedWeights = new HashMap<>();

    /**
     * @param graph     the base's graph
     * @param cut       the layer whose output is returned
     * @param weights   the base's weights (folded and copied here; not kept)
     * @param precision {@code FP32} or {@code BF16}
     * @throws IllegalArgumentException for an unknown cut, a layer kind the engine does not run, or AUTO precision
     * @throws IllegalStateException    if oneDNN is not available, or for BF16 on a CPU without it
     */
    public DnnlGraph(Graph graph, String cut, Weights weights, Precision precision) {
        if (precision == Precision.AUTO) {
            throw new IllegalArgumentException("Precision AUTO must be resolved before building an engine");
        }
        precision.resolve();
        graph.node(cut); // fails naming the cut and listing the layers
        this.graph = graph;
        this.cut = cut;
        this.precision = precision;
        this.inputShape = graph.inputShape();
        this.outputShape = graph.shape(cut);
        this.steps = compile(graph, cut, weights);
        this.dnnl = Dnnl.get();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Compilation: nodes → fused steps

    /** What a step computes. */
    private enum Kind { CONV, POOL_MAX, POOL_AVG, RELU, ADD, PAD }

    /** One primitive over named tensors, with what was fused into it. */
    private static final class Step {
        final Kind kind;
        final String name; // the first node's name, for messages
        final List<String> inputs = new ArrayList<>();
        String output;
        /** CONV: kernel side, stride, groups (channels for depthwise, 1 otherwise), filters; POOL: window, stride. */
        int kernel;
        int stride;
        boolean depthwise;
        int filters;
        int padTop;
        int padBottom;
        int padLeft;
        int padRight;
        /** CONV: folded weights, Keras layout [kh, kw, in, out] (depthwise [kh, kw, c, 1]), and bias. */
        float[] kernelValues;
        float[] biasValues;
        /** The tensor a sum post-op adds (CONV), or null. */
        String sumWith;
        Activation activation = Activation.NONE;

        Step(Kind kind, String name) {
            this.kind = kind;
            this.name = name;
        }

        @Override
        public String toString() {
            return kind + " " + name + " " + inputs + (sumWith != null ? " + " + sumWith : "") + " -> " + output
                    + (activation != Activation.NONE ? " " + activation : "");
        }
    }

    private static List<Step> compile(Graph graph, String cut, Weights weights) {
        List<Graph.Node> run = graph.ancestorsOf(cut);
        Set<String> inRun = new HashSet<>();
        for (Graph.Node n : run) {
            inRun.add(n.name());
        }
        Map<String, List<String>> readers = new HashMap<>();
        for (Graph.Node n : run) {
            for (String t : n.inputs()) {
                readers.computeIfAbsent(t, k -> new ArrayList<>()).add(n.name());
            }
        }
        Map<String, Integer> position = new HashMap<>();
        position.put(Graph.INPUT, -1);
        for (int i = 0; i < run.size(); i++) {
            position.put(run.get(i).name(), i);
        }
        Set<String> absorbed = new HashSet<>();
        Map<String, Graph.Node> padFoldedInto = new HashMap<>(); // pad name → node that takes it
        Set<String> nonNegative = new HashSet<>(); // tensors known to be >= 0 (outputs of a ReLU)
        List<Step> out = new ArrayList<>();
        for (int i = 0; i < run.size(); i++) {
            Graph.Node n = run.get(i);
            if (absorbed.contains(n.name())) {
                continue;
            }
            Op op = n.op();
            if (op instanceof Op.ZeroPadding2D && !n.name().equals(cut)) {
                List<String> r = readers.getOrDefault(n.name(), List.of());
                if (r.size() == 1) {
                    Graph.Node reader = graph.node(r.get(0));
                    boolean conv = reader.op() instanceof Op.Conv2D || reader.op() instanceof Op.DepthwiseConv2D;
                    boolean maxAfterRelu = reader.op() instanceof Op.MaxPooling2D
                            && nonNegative.contains(n.inputs().get(0));
                    if (conv || maxAfterRelu) {
                        padFoldedInto.put(n.name(), reader);
                        continue;
                    }
                }
            }
            Step s;
            if (op instanceof Op.Conv2D || op instanceof Op.DepthwiseConv2D || op instanceof Op.BatchNormalization) {
                s = convStep(graph, n, weights);
            } else if (op instanceof Op.MaxPooling2D p) {
                s = new Step(Kind.POOL_MAX, n.name());
                s.kernel = p.pool();
                s.stride = p.stride();
                s.inputs.add(n.inputs().get(0));
                int[] in = graph.shape(n.inputs().get(0));
                s.padTop = p.padding().before(in[0], p.pool(), p.stride());
                s.padBottom = p.padding().after(in[0], p.pool(), p.stride());
                s.padLeft = p.padding().before(in[1], p.pool(), p.stride());
                s.padRight = p.padding().after(in[1], p.pool(), p.stride());
            } else if (op instanceof Op.GlobalAveragePooling2D) {
                s = new Step(Kind.POOL_AVG, n.name());
                s.inputs.add(n.inputs().get(0));
            } else if (op instanceof Op.Relu r) {
                s = new Step(Kind.RELU, n.name());
                s.inputs.add(n.inputs().get(0));
                s.activation = r.activation();
            } else if (op instanceof Op.Add) {
                s = new Step(Kind.ADD, n.name());
                s.inputs.addAll(n.inputs());
            } else if (op instanceof Op.ZeroPadding2D z) {
                s = new Step(Kind.PAD, n.name());
                s.inputs.add(n.inputs().get(0));
                s.padTop = z.top();
                s.padBottom = z.bottom();
                s.padLeft = z.left();
                s.padRight = z.right();
            } else {
                throw new IllegalArgumentException("The oneDNN graph engine cannot run layer " + n.name() + " ("
                        + op.type().kerasName() + ") of " + graph.name());
            }
            // a zero padding folded into this step: read the padding's input, pad more
            String in0 = s.inputs.get(0);
            Graph.Node pad = padFoldedInto.containsKey(in0) ? graph.node(in0) : null;
            if (pad != null && padFoldedInto.get(in0) == n) {
                Op.ZeroPadding2D z = (Op.ZeroPadding2D) pad.op();
                s.inputs.set(0, pad.inputs().get(0));
                s.padTop += z.top();
                s.padBottom += z.bottom();
                s.padLeft += z.left();
                s.padRight += z.right();
            }
            String t = n.name();
            if (s.kind == Kind.CONV) {
                // absorb BN (not after a fused activation), then Add with an earlier operand, then ReLU
                boolean hasBn = op instanceof Op.BatchNormalization;
                while (!t.equals(cut)) {
                    List<String> r = readers.getOrDefault(t, List.of());
                    if (r.size() != 1) {
                        break;
                    }
                    Graph.Node next = graph.node(r.get(0));
                    if (next.op() instanceof Op.BatchNormalization bn && !hasBn && s.sumWith == null
                            && s.activation == Activation.NONE) {
                        foldBatchNorm(s, weights.layer(next.name()), bn.epsilon());
                        hasBn = true;
                    } else if (next.op() instanceof Op.Add && s.sumWith == null && s.activation == Activation.NONE) {
                        String other = next.inputs().get(0).equals(t) ? next.inputs().get(1) : next.inputs().get(0);
                        if (other.equals(t) || position.get(other) >= i) {
                            break;
                        }
                        s.sumWith = other;
                    } else if (next.op() instanceof Op.Relu relu && s.activation == Activation.NONE) {
                        s.activation = relu.activation();
                    } else {
                        break;
                    }
                    absorbed.add(next.name());
                    t = next.name();
                }
            } else if (s.kind == Kind.ADD && !t.equals(cut)) {
                List<String> r = readers.getOrDefault(t, List.of());
                if (r.size() == 1 && graph.node(r.get(0)).op() instanceof Op.Relu relu) {
                    s.activation = relu.activation();
                    absorbed.add(r.get(0));
                    t = r.get(0);
                }
            }
            s.output = t;
            if (s.activation != Activation.NONE) {
                nonNegative.add(t);
            }
            out.add(s);
        }
        return out;
    }

    /** A convolution step with the node's weights (or a 1×1 depthwise identity for a BatchNormalization alone). */
    private static Step convStep(Graph graph, Graph.Node n, Weights weights) {
        Step s = new Step(Kind.CONV, n.name());
        s.inputs.add(n.inputs().get(0));
        int[] in = graph.shape(n.inputs().get(0));
        Op op = n.op();
        if (op instanceof Op.Conv2D c) {
            LayerWeights w = weights.layer(n.name());
            s.kernel = c.kernel();
            s.stride = c.stride();
            s.filters = c.filters();
            s.kernelValues = w.values("kernel").clone();
            s.biasValues = c.useBias() ? w.values("bias").clone() : new float[c.filters()];
            s.activation = c.activation();
            setPadding(s, c.padding(), in);
        } else if (op instanceof Op.DepthwiseConv2D d) {
            LayerWeights w = weights.layer(n.name());
            s.kernel = d.kernel();
            s.stride = d.stride();
            s.depthwise = true;
            s.filters = in[2];
            s.kernelValues = w.values("depthwise_kernel").clone();
            s.biasValues = d.useBias() ? w.values("bias").clone() : new float[in[2]];
            s.activation = d.activation();
            setPadding(s, d.padding(), in);
        } else {
            Op.BatchNormalization bn = (Op.BatchNormalization) op;
            s.kernel = 1;
            s.stride = 1;
            s.depthwise = true;
            s.filters = in[2];
            s.kernelValues = new float[in[2]];
            Arrays.fill(s.kernelValues, 1f);
            s.biasValues = new float[in[2]];
            foldBatchNorm(s, weights.layer(n.name()), bn.epsilon());
        }
        return s;
    }

    private static void setPadding(Step s, Padding p, int[] in) {
        s.padTop = p.before(in[0], s.kernel, s.stride);
        s.padBottom = p.after(in[0], s.kernel, s.stride);
        s.padLeft = p.before(in[1], s.kernel, s.stride);
        s.padRight = p.after(in[1], s.kernel, s.stride);
    }

    /** Folds inference-mode BatchNormalization into the step's kernel and bias (output channel = last axis). */
    private static void foldBatchNorm(Step s, LayerWeights bn, double epsilon) {
        float[] gamma = bn.values("gamma");
        float[] beta = bn.values("beta");
        float[] mean = bn.values("moving_mean");
        float[] var = bn.values("moving_variance");
        int c = gamma.length;
        double[] scale = new double[c];
        for (int o = 0; o < c; o++) {
            scale[o] = gamma[o] / Math.sqrt(var[o] + epsilon);
        }
        // Keras layouts [kh, kw, in, out] and [kh, kw, c, 1] both have the output channel fastest-varying
        for (int i = 0; i < s.kernelValues.length; i++) {
            s.kernelValues[i] = (float) (s.kernelValues[i] * scale[i % c]);
        }
        for (int o = 0; o < c; o++) {
            s.biasValues[o] = (float) ((s.biasValues[o] - mean[o]) * scale[o] + beta[o]);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Running

    @Override
    public String description() {
        return "oneDNN graph " + precision.cliName() + " on " + dnnl.isa();
    }

    @Override
    public INDArray forward(INDArray x) {
        if (x.rank() != 4 || x.size(1) != inputShape[0] || x.size(2) != inputShape[1] || x.size(3) != inputShape[2]) {
            throw new IllegalArgumentException("Expected NHWC input [n, " + inputShape[0] + ", " + inputShape[1] + ", "
                    + inputShape[2] + "] for " + graph.name() + "; got " + Arrays.toString(x.shape()));
        }
        if (x.dataType() != DataType.FLOAT || x.isView() || x.ordering() != 'c' || x.offset() != 0) {
            x = x.castTo(DataType.FLOAT).dup('c');
        }
        int n = Math.toIntExact(x.size(0));
        Plan plan = plans.get(n);
        if (plan == null) {
            plan = new Plan(n);
            plans.put(n, plan);
            if (plans.size() > PLANS_KEPT) {
                plans.remove(plans.keySet().iterator().next());
            }
        }
        long[] shape = new long[outputShape.length + 1];
        shape[0] = n;
        for (int i = 0; i < outputShape.length; i++) {
            shape[i + 1] = outputShape[i];
        }
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, shape);
        plan.run(x.data().addressPointer(), out.data().addressPointer());
        Reference.reachabilityFence(x);
        return out;
    }

    @Override
    public void releaseBuffers() {
        plans.clear();
    }

    /** The fused steps, for logs and tests. */
    public List<String> steps() {
        return steps.stream().map(Step::toString).toList();
    }

    /** Which oneDNN implementation each primitive of the plan for batch {@code n} runs. */
    public List<String> implementations(int n) {
        return List.copyOf(plans.computeIfAbsent(n, Plan::new).implementations);
    }

    private static memory.desc desc(long[] dims, memory.data_type type, memory.format_tag tag) {
        return new memory.desc(dims, type, tag);
    }

    private long[] nchw(int n, int[] hwc) {
        return hwc.length == 3 ? new long[] {n, hwc[2], hwc[0], hwc[1]} : new long[] {n, hwc[0], 1, 1};
    }

    private static primitive_attr attr(Activation activation, boolean sum) {
        primitive_attr a = new primitive_attr();
        a.set_scratchpad_mode(scratchpad_mode.user);
        if (activation != Activation.NONE || sum) {
            post_ops ops = new post_ops();
            if (sum) {
                ops.append_sum(1f, memory.data_type.undef);
            }
            appendActivation(ops, activation);
            a.set_post_ops(ops);
        }
        return a;
    }

    private static void appendActivation(post_ops ops, Activation activation) {
        if (activation == Activation.RELU) {
            ops.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
        } else if (activation == Activation.RELU6) {
            ops.append_eltwise(1f, algorithm.eltwise_clip, 0f, 6f);
        }
    }

    private record Exec(primitive primitive, IntMemoryMap args, Pointer zeroFill, long zeroBytes) {
    }

    /** Primitives, buffers and argument maps for one batch size. */
    private final class Plan {
        final List<Exec> execs = new ArrayList<>();
        final List<String> implementations = new ArrayList<>();
        final List<Pointer> keep = new ArrayList<>();
        final memory userIn;
        final memory userOut;

        Plan(int n) {
            engine eng = dnnl.engine();
            memory.data_type act = precision == Precision.BF16 ? memory.data_type.bf16 : memory.data_type.f32;
            int elem = precision == Precision.BF16 ? 2 : 4;
            // the largest activation decides the size of every pooled buffer
            long largest = product(inputShape) * n * 4L;
            for (Graph.Node node : graph.nodes()) {
                largest = Math.max(largest, product(graph.shape(node.name())) * n * elem);
            }
            Map<String, Integer> remaining = new HashMap<>();
            for (Step s : steps) {
                for (String t : s.inputs) {
                    remaining.merge(t, 1, Integer::sum);
                }
                if (s.sumWith != null) {
                    remaining.merge(s.sumWith, 1, Integer::sum);
                }
            }
            remaining.merge(cut, 1, Integer::sum); // the output reorder reads it last
            Deque<memory> free = new ArrayDeque<>();
            List<memory> all = new ArrayList<>();
            Map<String, memory> bufferOf = new HashMap<>();
            Map<String, memory> memOf = new HashMap<>();

            memory.desc inMd = desc(nchw(n, inputShape), memory.data_type.f32, memory.format_tag.nhwc);
            userIn = new memory(inMd, eng, new Pointer());
            keep.add(userIn);
            long scratchSize = 64;
            List<primitive_desc> pds = new ArrayList<>();
            // the input tensor, in the activation type
            if (act.value == memory.data_type.f32.value) {
                memOf.put(Graph.INPUT, userIn);
            } else {
                memory buf = take(free, all, eng, largest);
                memory m = view(desc(nchw(n, inputShape), act, memory.format_tag.nhwc), buf, eng);
                bufferOf.put(Graph.INPUT, buf);
                memOf.put(Graph.INPUT, m);
                addReorder(eng, userIn, m, "input");
            }
            List<Object[]> pending = new ArrayList<>(); // [primitive_desc, args, zeroFill?, bytes] bound after scratch
            for (Step s : steps) {
                int[] outShape = graph.shape(s.output);
                memory.desc dstMd = desc(nchw(n, outShape), act, memory.format_tag.nhwc);
                memory src = memOf.get(s.inputs.get(0));
                // the output buffer: the sum operand's when this step is its last reader, else a free one
                memory dstBuf;
                boolean sumInPlace = false;
                if (s.sumWith != null && remaining.get(s.sumWith) == 1 && bufferOf.containsKey(s.sumWith)) {
                    dstBuf = bufferOf.remove(s.sumWith);
                    sumInPlace = true;
                } else {
                    dstBuf = take(free, all, eng, largest);
                }
                memory dst = view(dstMd, dstBuf, eng);
                if (s.sumWith != null && !sumInPlace) {
                    addReorder(eng, memOf.get(s.sumWith), dst, s.name + " sum operand");
                }
                IntMemoryMap args = new IntMemoryMap();
                Pointer pd;
                primitive p;
                Pointer zero = null;
                long zeroBytes = 0;
                try {
                    switch (s.kind) {
                        case CONV -> {
                            convolution_forward.primitive_desc cpd = convDesc(eng, s, n, act, src.get_desc(), dstMd);
                            memory[] wb = weights(s, cpd);
                            args.put(DNNL_ARG_SRC, src).put(DNNL_ARG_DST, dst).put(DNNL_ARG_WEIGHTS, wb[0])
                                    .put(DNNL_ARG_BIAS, wb[1]);
                            pd = cpd;
                            p = new convolution_forward(cpd);
                        }
                        case POOL_MAX, POOL_AVG -> {
                            int[] inShape = graph.shape(s.inputs.get(0));
                            long[] kernel = s.kind == Kind.POOL_AVG ? new long[] {inShape[0], inShape[1]}
                                    : new long[] {s.kernel, s.kernel};
                            long[] strides = s.kind == Kind.POOL_AVG ? new long[] {1, 1} : new long[] {s.stride, s.stride};
                            pooling_forward.primitive_desc ppd = new pooling_forward.primitive_desc(
                                    new pooling_forward.desc(prop_kind.forward_inference, s.kind == Kind.POOL_AVG
                                            ? algorithm.pooling_avg_exclude_padding : algorithm.pooling_max,
                                            src.get_desc(), dstMd, strides, kernel,
                                            new long[] {s.padTop, s.padLeft}, new long[] {s.padBottom, s.padRight}),
                                    attr(Activation.NONE, false), eng);
                            args.put(DNNL_ARG_SRC, src).put(DNNL_ARG_DST, dst);
                            pd = ppd;
                            p = new pooling_forward(ppd);
                        }
                        case RELU -> {
                            eltwise_forward.primitive_desc epd = new eltwise_forward.primitive_desc(
                                    new eltwise_forward.desc(prop_kind.forward_inference,
                                            s.activation == Activation.RELU ? algorithm.eltwise_relu
                                                    : algorithm.eltwise_clip,
                                            src.get_desc(), 0f, s.activation == Activation.RELU ? 0f : 6f),
                                    attr(Activation.NONE, false), eng);
                            args.put(DNNL_ARG_SRC, src).put(DNNL_ARG_DST, dst);
                            pd = epd;
                            p = new eltwise_forward(epd);
                        }
                        case ADD -> {
                            memory src1 = memOf.get(s.inputs.get(1));
                            binary.primitive_desc bpd = new binary.primitive_desc(new binary.desc(
                                    algorithm.binary_add, src.get_desc(), src1.get_desc(), dstMd),
                                    attr(s.activation, false), eng);
                            args.put(DNNL_ARG_SRC_0, src).put(DNNL_ARG_SRC_1, src1).put(DNNL_ARG_DST, dst);
                            pd = bpd;
                            p = new binary(bpd);
                        }
                        case PAD -> {
                            int[] inShape = graph.shape(s.inputs.get(0));
                            memory.desc inner = dstMd.submemory_desc(nchw(n, inShape),
                                    new long[] {0, 0, s.padTop, s.padLeft});
                            memory innerMem = view(inner, dstBuf, eng);
                            reorder.primitive_desc rpd = new reorder.primitive_desc(eng, src.get_desc(), eng, inner,
                                    attr(Activation.NONE, false), false);
                            args.put(DNNL_ARG_FROM, src).put(DNNL_ARG_TO, innerMem);
                            pd = rpd;
                            p = new reorder(rpd);
                            zero = dstBuf.get_data_handle();
                            zeroBytes = dstMd.get_size();
                        }
                        default -> throw new IllegalStateException(s.kind.toString());
                    }
                } catch (RuntimeException e) {
                    throw new IllegalStateException("oneDNN cannot run layer " + s.name + " of " + graph.name() + " ("
                            + precision.cliName() + ", batch " + n + "): " + e.getMessage(), e);
                }
                scratchSize = Math.max(scratchSize, scratchpadOf(pd).get_size());
                keep.add(pd);
                keep.add(p);
                keep.add(args);
                pending.add(new Object[] {pd, args});
                execs.add(new Exec(p, args, zero, zeroBytes));
                implementations.add(s.name + ": " + implOf(pd));
                // release what this step read for the last time
                List<String> read = new ArrayList<>(s.inputs);
                if (s.sumWith != null) {
                    read.add(s.sumWith);
                }
                for (String t : read) {
                    int left = remaining.merge(t, -1, Integer::sum);
                    if (left == 0 && bufferOf.containsKey(t)) {
                        free.push(bufferOf.remove(t));
                    }
                }
                bufferOf.put(s.output, dstBuf);
                memOf.put(s.output, dst);
            }
            memory.desc outMd = desc(nchw(n, outputShape), memory.data_type.f32, memory.format_tag.nhwc);
            userOut = new memory(outMd, eng, new Pointer());
            keep.add(userOut);
            addReorder(eng, memOf.get(cut), userOut, "output");
            // one scratchpad for all
            for (Object[] pa : reorders) {
                scratchSize = Math.max(scratchSize, scratchpadOf((Pointer) pa[0]).get_size());
            }
            memory scratchpad = bytes(eng, scratchSize);
            for (Object[] pa : pending) {
                ((IntMemoryMap) pa[1]).put(DNNL_ARG_SCRATCHPAD, view(scratchpadOf((Pointer) pa[0]), scratchpad, eng));
            }
            for (Object[] pa : reorders) {
                ((IntMemoryMap) pa[1]).put(DNNL_ARG_SCRATCHPAD, view(scratchpadOf((Pointer) pa[0]), scratchpad, eng));
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("oneDNN graph plan for {} batch {} ({}): {} buffers of {} MB, scratchpad {} MB; {}",
                        graph.name(), n, precision.cliName(), all.size(), largest >> 20, scratchSize >> 20,
                        implementations);
            }
        }

        private final List<Object[]> reorders = new ArrayList<>();

        private memory.desc scratchpadOf(Pointer pd) {
            return pd instanceof reorder.primitive_desc r ? r.scratchpad_desc() : ((primitive_desc) pd).scratchpad_desc();
        }

        private String implOf(Pointer pd) {
            return (pd instanceof reorder.primitive_desc r ? r.impl_info_str() : ((primitive_desc) pd).impl_info_str())
                    .getString();
        }

        private memory take(Deque<memory> free, List<memory> all, engine eng, long size) {
            if (!free.isEmpty()) {
                return free.pop();
            }
            memory m = bytes(eng, size);
            all.add(m);
            return m;
        }

        private convolution_forward.primitive_desc convDesc(engine eng, Step s, int n, memory.data_type act,
                memory.desc src, memory.desc dst) {
            int in = graph.shape(s.inputs.get(0))[2];
            memory.desc w = s.depthwise
                    ? desc(new long[] {in, 1, 1, s.kernel, s.kernel}, act, memory.format_tag.any)
                    : desc(new long[] {s.filters, in, s.kernel, s.kernel}, act, memory.format_tag.any);
            memory.desc b = desc(new long[] {s.filters}, memory.data_type.f32, memory.format_tag.x);
            return new convolution_forward.primitive_desc(new convolution_forward.desc(prop_kind.forward_inference,
                    algorithm.convolution_direct, src, w, b, dst, new long[] {s.stride, s.stride},
                    new long[] {s.padTop, s.padLeft}, new long[] {s.padBottom, s.padRight}),
                    attr(s.activation, s.sumWith != null), eng);
        }

        private memory[] weights(Step s, convolution_forward.primitive_desc pd) {
            memory[] kept = reorderedWeights.get(s);
            if (kept != null && kept[0].get_desc().equals(pd.weights_desc())
                    && kept[1].get_desc().equals(pd.bias_desc())) {
                return kept;
            }
            int in = s.kernelValues.length / (s.kernel * s.kernel * (s.depthwise ? 1 : s.filters));
            long[] dims = s.depthwise ? new long[] {in, 1, 1, s.kernel, s.kernel}
                    : new long[] {s.filters, in, s.kernel, s.kernel};
            memory[] pair = dnnl.reorderWeights(pd, dims, s.depthwise ? memory.format_tag.hwigo
                    : memory.format_tag.hwio, s.kernelValues, s.biasValues);
            reorderedWeights.put(s, pair);
            return pair;
        }

        private memory bytes(engine eng, long size) {
            memory m = new memory(desc(new long[] {size}, memory.data_type.u8, memory.format_tag.a), eng);
            keep.add(m);
            return m;
        }

        private memory view(memory.desc d, memory buffer, engine eng) {
            memory m = new memory(d, eng, buffer.get_data_handle());
            keep.add(m);
            return m;
        }

        private void addReorder(engine eng, memory from, memory to, String what) {
            reorder.primitive_desc pd = new reorder.primitive_desc(eng, from.get_desc(), eng, to.get_desc(),
                    attr(Activation.NONE, false), false);
            reorder r = new reorder(pd);
            IntMemoryMap args = new IntMemoryMap();
            args.put(DNNL_ARG_FROM, from).put(DNNL_ARG_TO, to);
            keep.add(pd);
            keep.add(r);
            keep.add(args);
            reorders.add(new Object[] {pd, args});
            execs.add(new Exec(r, args, null, 0));
            implementations.add("reorder " + what + ": " + implOf(pd));
        }

        void run(Pointer in, Pointer out) {
            userIn.set_data_handle(in);
            userOut.set_data_handle(out);
            stream s = dnnl.stream();
            for (Exec e : execs) {
                if (e.zeroFill() != null) {
                    s._wait();
                    Pointer.memset(e.zeroFill(), 0, e.zeroBytes());
                }
                e.primitive().execute(s, e.args());
            }
            s._wait();
        }
    }

    private static long product(int[] s) {
        long p = 1;
        for (int d : s) {
            p *= d;
        }
        return p;
    }

    @Override
    public String toString() {
        return description().toLowerCase(Locale.ROOT) + ", " + graph.name() + " to " + cut + ", " + steps.size()
                + " steps";
    }
}
