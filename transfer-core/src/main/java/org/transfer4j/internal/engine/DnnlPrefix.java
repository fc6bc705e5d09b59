package org.transfer4j.internal.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_forward;
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
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;

/**
 * Runs frozen conv-base layers (3×3 "same" convolutions with bias and ReLU, 2×2 max pools) with oneDNN primitives
 * called directly, for inference.
 *
 * <p>For each batch size a <em>plan</em> is made once: every primitive is created with {@code format_tag::any}, so
 * oneDNN picks the activation and weight layouts its fastest kernel wants (NHWC for its direct brgemm kernels, the
 * default; blocked {@code nChw16c} for the opt-in Winograd); weights are reordered into that layout once; bias and ReLU run as the convolution's post-op; activations
 * stay in that layout from layer to layer, with one reorder from the NHWC input and one to the NHWC output; all
 * activations live in two buffers that alternate, and every primitive shares one user-managed scratchpad. A pass
 * therefore allocates nothing but its output array. The two most recent plans are kept (a folder's last, smaller
 * batch does not evict the full-size one).
 *
 * <p>{@link Precision#BF16}: convolutions and pools run on bf16 activations and weights with fp32 accumulation;
 * the output at the cut is fp32. A layer for which oneDNN has only its reference bf16 kernel runs in fp32.
 *
 * <p>Not thread-safe. Native memory is freed when the engine becomes unreachable (JavaCPP deallocators);
 * {@link #releaseBuffers()} drops the activation buffers at once.
 */
public final class DnnlPrefix implements PrefixEngine {
    private static final Logger LOG = LoggerFactory.getLogger(DnnlPrefix.class);
    private static final int PLANS_KEPT = 2;
    /**
     * Smallest batch that runs Winograd: at batch 1 oneDNN's Winograd kernel took about 1.4× the time of its direct
     * kernel per image (VGG16, 150 px), at batch 20 0.6×; sizes in between were not measured.
     */
    static final int WINOGRAD_MIN_BATCH = 8;

    /** Convolution algorithm of the forward primitives. */
    public enum ConvAlgorithm {
        /** oneDNN's direct (JIT) convolution. */
        DIRECT,
        /**
         * Winograd F(4×4, 3×3) where oneDNN has it (fp32, AVX-512, channels in multiples of 16) for batches of at
         * least {@value #WINOGRAD_MIN_BATCH}, direct elsewhere, writing the Winograd layers' blocked layout.
         */
        WINOGRAD
    }

    private final List<Layer> layers;
    private final Weights weights;
    private final Precision precision;
    private final ConvAlgorithm convAlgorithm;
    private final Dnnl dnnl;
    /** Reordered weights per conv layer index, shared by plans whose primitive wants the same layout. */
    private final Map<Integer, memory[]> reorderedWeights = new LinkedHashMap<>();
    private final Map<Integer, Plan> plans = new LinkedHashMap<>(4, 0.75f, true);

    /**
     * @param layers        conv and max-pool layers, in order
     * @param weights       every conv layer's kernel ({@code [kh, kw, in, out]}) and bias
     * @param precision     {@code FP32} or {@code BF16} (resolved, not {@code AUTO})
     * @param convAlgorithm the convolution algorithm
     * @throws IllegalArgumentException for a layer of another type or an unresolved precision
     * @throws IllegalStateException    if oneDNN is not available, or for BF16 on a CPU without it
     */
    public DnnlPrefix(List<Layer> layers, Weights weights, Precision precision, ConvAlgorithm convAlgorithm) {
        if (precision == Precision.AUTO) {
            throw new IllegalArgumentException("Precision AUTO must be resolved before building an engine");
        }
        precision.resolve();
        this.layers = List.copyOf(layers);
        for (Layer l : this.layers) {
            if (l.type() == LayerType.CONV2D) {
                if (l.kernelSize() % 2 != 1) {
                    throw new IllegalArgumentException("Layer " + l.name() + " has an even kernel size "
                            + l.kernelSize() + "; the engine runs odd-sized \"same\" convolutions");
                }
                weights.layer(l.name()); // fails early, naming the layer, if its weights are missing
            } else if (l.type() != LayerType.MAX_POOLING2D) {
                throw new IllegalArgumentException("Layer " + l + " is not a conv-base layer");
            }
        }
        this.weights = weights;
        this.precision = precision;
        this.convAlgorithm = convAlgorithm;
        this.dnnl = Dnnl.get();
    }

    /**
     * The default: oneDNN's direct kernels, which give the libnd4j engine's features bit for bit. Winograd
     * ({@link ConvAlgorithm#WINOGRAD}) was 1.6× faster over VGG16 at batch 20 but moves single features by up to
     * 2e-4 relative (3e-6 of the largest feature), beyond the 1e-4 equivalence the feature cache and its tests hold
     * the engine to, so it is opt-in.
     */
    public DnnlPrefix(List<Layer> layers, Weights weights, Precision precision) {
        this(layers, weights, precision, ConvAlgorithm.DIRECT);
    }

    @Override
    public String description() {
        return "oneDNN " + precision.cliName() + (convAlgorithm == ConvAlgorithm.WINOGRAD ? " winograd" : "") + " on "
                + dnnl.isa();
    }

    @Override
    public INDArray forward(INDArray x) {
        x = Dnnl.nhwcInput(x, layers.get(0));
        int n = Math.toIntExact(x.size(0));
        Plan plan = plans.get(n);
        if (plan == null) {
            plan = new Plan(n);
            plans.put(n, plan);
            if (plans.size() > PLANS_KEPT) {
                Integer eldest = plans.keySet().iterator().next();
                plans.remove(eldest);
            }
        }
        int[] o = layers.get(layers.size() - 1).outputShape();
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, n, o[0], o[1], o[2]);
        plan.run(x.data().addressPointer(), out.data().addressPointer());
        Reference.reachabilityFence(x); // oneDNN read x by address: keep its native buffer until here
        return out;
    }

    @Override
    public void releaseBuffers() {
        plans.clear();
    }

    /** Which oneDNN implementation each primitive of the plan for batch {@code n} runs (for logs and tests). */
    public List<String> implementations(int n) {
        Plan plan = plans.computeIfAbsent(n, Plan::new);
        return List.copyOf(plan.implementations);
    }

    private static memory.desc desc(long[] dims, memory.data_type type, memory.format_tag tag) {
        return new memory.desc(dims, type, tag);
    }

    private static long[] nchw(int n, int[] hwc) {
        return new long[] {n, hwc[2], hwc[0], hwc[1]};
    }

    private primitive_attr attr(boolean relu) {
        primitive_attr a = new primitive_attr();
        a.set_scratchpad_mode(scratchpad_mode.user);
        if (relu) {
            post_ops ops = new post_ops();
            ops.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
            a.set_post_ops(ops);
        }
        return a;
    }

    /** One primitive with its argument map, made once per plan. */
    private record Step(primitive primitive, IntMemoryMap args) {
    }

    /** Primitives, buffers and argument maps for one batch size. */
    private final class Plan {
        final List<Step> steps = new ArrayList<>();
        final List<String> implementations = new ArrayList<>();
        /** Keeps every JavaCPP object the primitives point at reachable for the plan's lifetime. */
        final List<Pointer> keep = new ArrayList<>();
        final memory userIn;
        final memory userOut;

        Plan(int n) {
            engine eng = dnnl.engine();
            memory.data_type act = precision == Precision.BF16 ? memory.data_type.bf16 : memory.data_type.f32;

            // Pass 1: primitive descriptors and the layout each activation gets.
            List<primitive_desc> pds = new ArrayList<>();
            List<memory.desc> reorderTo = new ArrayList<>(); // per layer: a reorder of its input first, or null
            memory.desc inMd = desc(nchw(n, layers.get(0).inputShape()), memory.data_type.f32, memory.format_tag.nhwc);
            memory.desc current = inMd;
            long largest = 0;
            long scratch = 0;
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layers.get(i);
                long[] outDims = nchw(n, l.outputShape());
                primitive_desc pd;
                memory.desc src;
                try {
                    if (l.type() == LayerType.CONV2D) {
                        pd = convDesc(eng, l, n, act, current);
                        src = ((convolution_forward.primitive_desc) pd).src_desc();
                    } else {
                        memory.desc poolIn = current.data_type().value == act.value ? current : null; // JavaCPP enums: compare values
                        src = poolIn != null ? poolIn : desc(nchw(n, l.inputShape()), act, memory.format_tag.nhwc);
                        pd = poolDesc(eng, src, desc(outDims, src.data_type(), memory.format_tag.any));
                        src = pd.src_desc();
                    }
                } catch (RuntimeException e) {
                    throw new IllegalStateException("oneDNN cannot run layer " + l.name() + " ("
                            + precision.cliName() + ", batch " + n + "): " + e.getMessage(), e);
                }
                boolean needsReorder = !src.equals(current);
                reorderTo.add(needsReorder ? src : null);
                if (needsReorder) {
                    largest = Math.max(largest, src.get_size());
                }
                pds.add(pd);
                keep.add(pd);
                current = pd.dst_desc();
                largest = Math.max(largest, current.get_size());
                scratch = Math.max(scratch, pd.scratchpad_desc().get_size());
            }
            memory.desc outMd = desc(nchw(n, layers.get(layers.size() - 1).outputShape()), memory.data_type.f32,
                    memory.format_tag.nhwc);

            // Buffers: two alternating activation buffers and one scratchpad, allocated by oneDNN (64-byte aligned).
            memory[] buffers = {bytes(eng, largest), bytes(eng, largest)};
            memory scratchpad = bytes(eng, Math.max(scratch, 64));
            userIn = new memory(inMd, eng, new Pointer());
            userOut = new memory(outMd, eng, new Pointer());
            keep.add(userIn);
            keep.add(userOut);

            // Pass 2: memory objects over the buffers, weights, and the steps.
            memory cur = userIn;
            int next = 0;
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layers.get(i);
                primitive_desc pd = pds.get(i);
                if (reorderTo.get(i) != null) {
                    memory to = view(reorderTo.get(i), buffers[next], eng);
                    addReorder(eng, cur, to, l.name() + " input", scratchpad);
                    cur = to;
                    next ^= 1;
                }
                memory dst = view(pd.dst_desc(), buffers[next], eng);
                next ^= 1;
                IntMemoryMap args = new IntMemoryMap();
                args.put(DNNL_ARG_SRC, cur).put(DNNL_ARG_DST, dst);
                args.put(DNNL_ARG_SCRATCHPAD, view(pd.scratchpad_desc(), scratchpad, eng));
                primitive p;
                if (l.type() == LayerType.CONV2D) {
                    convolution_forward.primitive_desc cpd = (convolution_forward.primitive_desc) pd;
                    memory[] wb = weightsFor(i, l, cpd);
                    args.put(DNNL_ARG_WEIGHTS, wb[0]).put(DNNL_ARG_BIAS, wb[1]);
                    p = new convolution_forward(cpd);
                } else {
                    p = new pooling_forward((pooling_forward.primitive_desc) pd);
                }
                keep.add(args);
                keep.add(p);
                steps.add(new Step(p, args));
                implementations.add(l.name() + ": " + pd.impl_info_str().getString());
                cur = dst;
            }
            addReorder(eng, cur, userOut, "output", scratchpad);
            if (LOG.isDebugEnabled()) {
                LOG.debug("oneDNN plan for batch {} ({}): {}; activation buffers 2 × {} MB, scratchpad {} MB", n,
                        precision.cliName(), implementations, largest >> 20, scratch >> 20);
            }
        }

        private convolution_forward.primitive_desc convDesc(engine eng, Layer l, int n, memory.data_type act,
                memory.desc current) {
            boolean lastLayer = l == layers.get(layers.size() - 1);
            memory.data_type type = act;
            convolution_forward.primitive_desc pd = tryConv(eng, l, n, type, lastLayer);
            if (type.value == memory.data_type.bf16.value && pd.impl_info_str().getString().startsWith("ref")) {
                // no optimised bf16 kernel for this shape (e.g. 3 input channels on some CPUs): fp32 is faster
                type = memory.data_type.f32;
                pd = tryConv(eng, l, n, type, lastLayer);
            }
            return pd;
        }

        private convolution_forward.primitive_desc tryConv(engine eng, Layer l, int n, memory.data_type type,
                boolean lastLayer) {
            int k = l.kernelSize();
            long pad = k / 2;
            memory.desc src = desc(nchw(n, l.inputShape()), type, memory.format_tag.any);
            memory.desc w = desc(new long[] {l.outChannels(), l.inChannels(), k, k}, type, memory.format_tag.any);
            memory.desc b = desc(new long[] {l.outChannels()}, memory.data_type.f32, memory.format_tag.x);
            memory.desc dst = desc(nchw(n, l.outputShape()), lastLayer ? memory.data_type.f32 : type,
                    memory.format_tag.any);
            long[] stride = {1, 1};
            long[] padding = {pad, pad};
            boolean wino = convAlgorithm == ConvAlgorithm.WINOGRAD && n >= WINOGRAD_MIN_BATCH
                    && type.value == memory.data_type.f32.value && k == 3;
            if (wino && l.inChannels() % 16 == 0 && l.outChannels() % 16 == 0) {
                try {
                    return new convolution_forward.primitive_desc(new convolution_forward.desc(
                            prop_kind.forward_inference, algorithm.convolution_winograd, src, w, b, dst, stride,
                            padding, padding), attr(true), eng);
                } catch (RuntimeException e) {
                    LOG.debug("No Winograd convolution for {}: {}", l.name(), e.getMessage());
                }
            }
            if (wino && !lastLayer) {
                // a direct layer among Winograd ones writes their blocked layout, saving a reorder
                dst = desc(nchw(n, l.outputShape()), type, memory.format_tag.nChw16c);
            }
            return new convolution_forward.primitive_desc(new convolution_forward.desc(prop_kind.forward_inference,
                    algorithm.convolution_direct, src, w, b, dst, stride, padding, padding), attr(true), eng);
        }

        private pooling_forward.primitive_desc poolDesc(engine eng, memory.desc src, memory.desc dst) {
            long[] two = {2, 2};
            long[] zero = {0, 0};
            return new pooling_forward.primitive_desc(new pooling_forward.desc(prop_kind.forward_inference,
                    algorithm.pooling_max, src, dst, two, two, zero, zero), attr(false), eng);
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

        private void addReorder(engine eng, memory from, memory to, String what, memory scratchpad) {
            reorder.primitive_desc pd = new reorder.primitive_desc(eng, from.get_desc(), eng, to.get_desc(),
                    attr(false), false);
            if (pd.scratchpad_desc().get_size() > scratchpad.get_desc().get_size()) {
                throw new IllegalStateException("reorder of " + what + " needs a larger scratchpad");
            }
            reorder r = new reorder(pd);
            IntMemoryMap args = new IntMemoryMap();
            args.put(DNNL_ARG_FROM, from).put(DNNL_ARG_TO, to);
            args.put(DNNL_ARG_SCRATCHPAD, view(pd.scratchpad_desc(), scratchpad, eng));
            keep.add(pd);
            keep.add(r);
            keep.add(args);
            steps.add(new Step(r, args));
            implementations.add("reorder " + what + ": " + pd.impl_info_str().getString());
        }

        void run(Pointer in, Pointer out) {
            userIn.set_data_handle(in);
            userOut.set_data_handle(out);
            stream s = dnnl.stream();
            for (Step step : steps) {
                step.primitive().execute(s, step.args());
            }
            s._wait();
        }
    }

    /** The conv layer's weights and bias in the layout {@code pd} wants, reordered once and shared across plans. */
    private memory[] weightsFor(int index, Layer l, convolution_forward.primitive_desc pd) {
        memory[] kept = reorderedWeights.get(index);
        if (kept != null && kept[0].get_desc().equals(pd.weights_desc())
                && kept[1].get_desc().equals(pd.bias_desc())) {
            return kept;
        }
        LayerWeights w = weights.layer(l.name());
        int k = l.kernelSize();
        memory[] pair = dnnl.reorderWeights(pd, new long[] {l.outChannels(), l.inChannels(), k, k},
                memory.format_tag.hwio, w.kernel(), w.bias());
        reorderedWeights.put(index, pair);
        return pair;
    }

    @Override
    public String toString() {
        return description().toLowerCase(Locale.ROOT) + ", " + layers.size() + " layers";
    }
}
