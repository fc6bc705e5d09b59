package org.transfer4j.internal.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.primitive_desc;
import org.bytedeco.dnnl.primitive_desc_base;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.global.dnnl.scratchpad_mode;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.Precision;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;

/**
 * A trainable run of conv-base layers (odd "same" convolutions with bias and ReLU, 2×2 max pools) on oneDNN:
 * forward for training, and backward to every kernel and bias gradient, with oneDNN's convolution
 * backward-data/backward-weights, ReLU backward from the output, and max-pool backward with its workspace.
 *
 * <p>{@link Precision#BF16} computes as PyTorch's CPU autocast does: activations, their gradients and the kernels
 * the primitives read are bf16, every accumulation is fp32, and the master weights (the optimizer's, passed in as
 * fp32 arrays), the kernel and bias gradients handed back, the input and the output stay fp32. The kernels are
 * converted to bf16 by the same per-step reorder that puts them into the primitives' layout.
 *
 * <p>Per batch size a plan is made once: primitives in oneDNN's preferred (blocked) layouts, one buffer per
 * activation kept for the backward pass, two alternating gradient buffers, workspaces, one shared user scratchpad,
 * and the NHWC output and Keras-layout ({@code [kh, kw, in, out]}) gradient arrays. A step then allocates nothing:
 * the current kernels are reordered into the primitives' layout on each forward (they change every step), the
 * gradients out of it on each backward. The first layer's input gradient is not computed (its input is frozen).
 *
 * <p>Not thread-safe. The arrays returned by {@link #forward} and {@link #backward} belong to the plan and are
 * overwritten by the next call for the same batch size.
 */
final class DnnlConvStack {
    private final List<Layer> layers;
    private final Precision precision;
    private final Dnnl dnnl;
    private final Map<Integer, Plan> plans = new LinkedHashMap<>(4, 0.75f, true);
    private Plan last;

    /**
     * @throws IllegalArgumentException for a layer that is neither an odd-kernel conv nor a 2×2 max pool
     */
    DnnlConvStack(List<Layer> layers) {
        this(layers, Precision.FP32);
    }

    /**
     * @param precision {@code FP32} or {@code BF16} (resolved, not {@code AUTO})
     * @throws IllegalArgumentException for a layer that is neither an odd-kernel conv nor a 2×2 max pool, or for
     *                                  {@code AUTO}
     * @throws IllegalStateException    for {@code BF16} where the CPU cannot run it
     */
    DnnlConvStack(List<Layer> layers, Precision precision) {
        if (precision == Precision.AUTO) {
            throw new IllegalArgumentException("Precision AUTO must be resolved before building an engine");
        }
        this.precision = precision.resolve();
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("No layers to train");
        }
        for (Layer l : layers) {
            boolean conv = l.type() == LayerType.CONV2D && l.kernelSize() % 2 == 1;
            if (!conv && l.type() != LayerType.MAX_POOLING2D) {
                throw new IllegalArgumentException("Layer " + l.name() + " (" + l.type().kerasName() + ", kernel "
                        + l.kernelSize() + ") cannot train on the oneDNN engine; it runs odd-kernel \"same\" "
                        + "convolutions and 2x2 max pools");
            }
        }
        this.layers = List.copyOf(layers);
        this.dnnl = Dnnl.get();
    }

    /**
     * Forward for training.
     *
     * @param x      NHWC fp32 {@code [n, h, w, c]}, contiguous
     * @param params each conv layer's {@code <name>_kernel} ({@code [kh, kw, in, out]}) and {@code <name>_bias}
     * @return the last layer's output, NHWC, owned by the plan
     */
    INDArray forward(INDArray x, Map<String, INDArray> params) {
        x = Dnnl.nhwcInput(x, layers.get(0));
        int n = Math.toIntExact(x.size(0));
        Plan plan = plans.get(n);
        if (plan == null) {
            plan = new Plan(n);
            plans.put(n, plan);
            if (plans.size() > 2) {
                plans.remove(plans.keySet().iterator().next());
            }
        }
        last = plan;
        plan.forward(x, params);
        return plan.output;
    }

    /**
     * Backward through the layers of the last {@link #forward}.
     *
     * @param dOut gradient of the loss with respect to that forward's output, NHWC fp32
     * @return {@code <name>_kernel} and {@code <name>_bias} gradients in the parameters' shapes, owned by the plan
     */
    Map<String, INDArray> backward(INDArray dOut) {
        if (last == null) {
            throw new IllegalStateException("backward before forward");
        }
        if (!Arrays.equals(dOut.shape(), last.output.shape())) {
            throw new IllegalArgumentException("Output gradient " + Arrays.toString(dOut.shape()) + " does not match "
                    + "the output " + Arrays.toString(last.output.shape()));
        }
        if (dOut.dataType() != DataType.FLOAT || dOut.isView() || dOut.ordering() != 'c' || dOut.offset() != 0) {
            dOut = dOut.castTo(DataType.FLOAT).dup('c');
        }
        last.backward(dOut);
        return last.gradients;
    }

    /** oneDNN implementation of every primitive of the last plan (for logs and tests). */
    List<String> implementations() {
        return last == null ? List.of() : List.copyOf(last.implementations);
    }

    private static memory.desc md(long[] dims, memory.format_tag tag) {
        return new memory.desc(dims, memory.data_type.f32, tag);
    }

    private static memory.desc md(long[] dims, memory.data_type type, memory.format_tag tag) {
        return new memory.desc(dims, type, tag);
    }

    /** The precision the stack computes in. */
    Precision precision() {
        return precision;
    }

    private static long[] nchw(int n, int[] hwc) {
        return new long[] {n, hwc[2], hwc[0], hwc[1]};
    }

    private record Step(primitive primitive, IntMemoryMap args) {
    }

    /** Primitives and buffers of one conv layer. */
    private static final class Conv {
        memory userKernel;
        memory userBias;
        memory kernel;
        memory kernelForData;
        final List<Step> kernelReorders = new ArrayList<>();
        String name;
    }

    private final class Plan {
        /** The input of the last forward pass: the backward pass reads it by address. */
        INDArray input;
        final PlanResources res;
        final List<Step> forwardSteps = new ArrayList<>();
        final List<Step> backwardSteps = new ArrayList<>();
        final List<String> implementations = new ArrayList<>();
        final List<Conv> convs = new ArrayList<>();
        final Map<String, INDArray> gradients = new LinkedHashMap<>();
        final memory userIn;
        final memory userOut;
        final memory userDiffOut;
        final INDArray output;
        final engine eng;
        final memory scratchpad;
        long scratch;

        Plan(int n) {
            eng = dnnl.engine();
            res = new PlanResources(eng);
            primitive_attr plain = attr(false);
            // activations, their gradients and the kernels the primitives read; accumulation, bias and the kernel
            // gradients stay fp32
            memory.data_type act = precision == Precision.BF16 ? memory.data_type.bf16 : memory.data_type.f32;
            // Pass 1: forward primitive descriptors, in the layouts oneDNN picks.
            List<primitive_desc> fwd = new ArrayList<>();
            memory.desc inMd = md(nchw(n, layers.get(0).inputShape()), memory.format_tag.nhwc);
            memory.desc current = null;
            for (Layer l : layers) {
                primitive_desc pd;
                if (l.type() == LayerType.CONV2D) {
                    int k = l.kernelSize();
                    long[] pad = {k / 2, k / 2};
                    memory.desc src = current != null ? current
                            : md(nchw(n, l.inputShape()), act, memory.format_tag.any);
                    pd = new convolution_forward.primitive_desc(new convolution_forward.desc(
                            prop_kind.forward_training, algorithm.convolution_direct, src,
                            md(kernelDims(l), act, memory.format_tag.any), md(new long[] {l.outChannels()},
                                    memory.format_tag.x), md(nchw(n, l.outputShape()), act, memory.format_tag.any),
                            new long[] {1, 1}, pad, pad), attr(true), eng);
                } else {
                    memory.desc src = current != null ? current
                            : md(nchw(n, l.inputShape()), act, memory.format_tag.nhwc);
                    long[] two = {2, 2};
                    long[] zero = {0, 0};
                    pd = new pooling_forward.primitive_desc(new pooling_forward.desc(prop_kind.forward_training,
                            algorithm.pooling_max, src, md(nchw(n, l.outputShape()), act, memory.format_tag.any),
                            two, two, zero, zero), plain, eng);
                }
                res.add(pd);
                fwd.add(pd);
                current = pd.dst_desc();
                scratch = Math.max(scratch, pd.scratchpad_desc().get_size());
            }
            // Backward primitive descriptors, on the forward's layouts.
            List<primitive_desc[]> bwd = new ArrayList<>();
            long largestDiff = 0;
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layers.get(i);
                primitive_desc f = fwd.get(i);
                largestDiff = Math.max(largestDiff, Math.max(f.src_desc().get_size(), f.dst_desc().get_size()));
                if (l.type() == LayerType.CONV2D) {
                    int k = l.kernelSize();
                    long[] pad = {k / 2, k / 2};
                    long[] one = {1, 1};
                    convolution_forward.primitive_desc cf = (convolution_forward.primitive_desc) f;
                    eltwise_forward.primitive_desc reluHint = new eltwise_forward.primitive_desc(
                            new eltwise_forward.desc(prop_kind.forward_training,
                                    algorithm.eltwise_relu_use_dst_for_bwd, cf.dst_desc(), 0f, 0f), plain, eng);
                    eltwise_backward.primitive_desc relu = new eltwise_backward.primitive_desc(
                            new eltwise_backward.desc(algorithm.eltwise_relu_use_dst_for_bwd, cf.dst_desc(),
                                    cf.dst_desc(), 0f, 0f), plain, eng, reluHint);
                    convolution_backward_weights.primitive_desc bw = new convolution_backward_weights.primitive_desc(
                            new convolution_backward_weights.desc(algorithm.convolution_direct, cf.src_desc(),
                                    md(kernelDims(l), memory.format_tag.any),
                                    md(new long[] {l.outChannels()}, memory.format_tag.x), cf.dst_desc(), one, pad,
                                    pad), plain, eng, cf);
                    convolution_backward_data.primitive_desc bd = i == 0 ? null
                            : new convolution_backward_data.primitive_desc(new convolution_backward_data.desc(
                                    algorithm.convolution_direct, cf.src_desc(), md(kernelDims(l), act,
                                            memory.format_tag.any), cf.dst_desc(), one, pad, pad), plain, eng, cf);
                    res.add(reluHint);
                    bwd.add(new primitive_desc[] {relu, bw, bd});
                    for (primitive_desc p : new primitive_desc[] {relu, bw, bd}) {
                        if (p != null) {
                            res.add(p);
                            scratch = Math.max(scratch, p.scratchpad_desc().get_size());
                        }
                    }
                } else {
                    pooling_forward.primitive_desc pf = (pooling_forward.primitive_desc) f;
                    long[] two = {2, 2};
                    long[] zero = {0, 0};
                    pooling_backward.primitive_desc pb = new pooling_backward.primitive_desc(
                            new pooling_backward.desc(algorithm.pooling_max, pf.src_desc(), pf.dst_desc(), two, two,
                                    zero, zero), plain, eng, pf);
                    res.add(pb);
                    bwd.add(new primitive_desc[] {pb});
                    scratch = Math.max(scratch, pb.scratchpad_desc().get_size());
                }
            }
            scratchpad = new memory(md(new long[] {Math.max(scratch, 64) / 4 + 1}, memory.format_tag.a), eng);
            res.add(scratchpad);

            // Pass 2: memories and steps. Forward: the input reorder, then one output buffer per layer.
            userIn = res.wrap(inMd);
            memory[] outs = new memory[layers.size()];
            memory firstSrc = res.owned(fwd.get(0).src_desc());
            addReorder(forwardSteps, userIn, firstSrc, "input");
            memory cur = firstSrc;
            memory[] ins = new memory[layers.size()];
            memory[] workspaces = new memory[layers.size()];
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layers.get(i);
                primitive_desc pd = fwd.get(i);
                ins[i] = cur;
                outs[i] = res.owned(pd.dst_desc());
                IntMemoryMap args = args(pd).put(DNNL_ARG_SRC, cur).put(DNNL_ARG_DST, outs[i]);
                primitive p;
                if (l.type() == LayerType.CONV2D) {
                    Conv c = new Conv();
                    c.name = l.name();
                    c.userKernel = res.wrap(md(kernelDims(l), memory.format_tag.hwio));
                    c.userBias = res.wrap(md(new long[] {l.outChannels()}, memory.format_tag.x));
                    convolution_forward.primitive_desc cf = (convolution_forward.primitive_desc) pd;
                    c.kernel = res.owned(cf.weights_desc());
                    addReorder(c.kernelReorders, c.userKernel, c.kernel, l.name() + " kernel");
                    args.put(DNNL_ARG_WEIGHTS, c.kernel).put(DNNL_ARG_BIAS, c.userBias);
                    p = new convolution_forward(cf);
                    convs.add(c);
                } else {
                    workspaces[i] = res.owned(pd.workspace_desc());
                    args.put(DNNL_ARG_WORKSPACE, workspaces[i]);
                    p = new pooling_forward((pooling_forward.primitive_desc) pd);
                }
                res.add(p);
                forwardSteps.add(new Step(p, args));
                implementations.add(l.name() + " forward: " + pd.impl_info_str().getString());
                cur = outs[i];
            }
            int[] o = layers.get(layers.size() - 1).outputShape();
            output = Nd4j.createUninitialized(DataType.FLOAT, n, o[0], o[1], o[2]);
            memory.desc outMd = md(nchw(n, o), memory.format_tag.nhwc);
            userOut = new memory(outMd, eng, output.data().addressPointer());
            res.add(userOut);
            addReorder(forwardSteps, cur, userOut, "output");

            // Backward: the output gradient in, then two alternating gradient buffers.
            userDiffOut = res.wrap(outMd);
            memory[] diff = {res.bytes(largestDiff), res.bytes(largestDiff)};
            int next = 0;
            memory d = res.view(fwd.get(layers.size() - 1).dst_desc(), diff[next]);
            next ^= 1;
            addReorder(backwardSteps, userDiffOut, d, "output gradient");
            int convIndex = convs.size();
            for (int i = layers.size() - 1; i >= 0; i--) {
                Layer l = layers.get(i);
                primitive_desc[] b = bwd.get(i);
                if (l.type() == LayerType.MAX_POOLING2D) {
                    pooling_backward.primitive_desc pb = (pooling_backward.primitive_desc) b[0];
                    memory ds = res.view(pb.diff_src_desc(), diff[next]);
                    next ^= 1;
                    backwardSteps.add(new Step(res.keep(new pooling_backward(pb)), args(pb).put(DNNL_ARG_DIFF_DST, d)
                            .put(DNNL_ARG_DIFF_SRC, ds).put(DNNL_ARG_WORKSPACE, workspaces[i])));
                    implementations.add(l.name() + " backward: " + pb.impl_info_str().getString());
                    d = ds;
                    continue;
                }
                Conv c = convs.get(--convIndex);
                eltwise_backward.primitive_desc relu = (eltwise_backward.primitive_desc) b[0];
                memory dPre = res.view(relu.diff_src_desc(), diff[next]);
                next ^= 1;
                backwardSteps.add(new Step(res.keep(new eltwise_backward(relu)), args(relu).put(DNNL_ARG_DST, outs[i])
                        .put(DNNL_ARG_DIFF_DST, d).put(DNNL_ARG_DIFF_SRC, dPre)));
                convolution_backward_weights.primitive_desc bw = (convolution_backward_weights.primitive_desc) b[1];
                memory dKernel = res.owned(bw.diff_weights_desc());
                INDArray gKernel = Nd4j.createUninitialized(DataType.FLOAT, l.kernelShape());
                INDArray gBias = Nd4j.createUninitialized(DataType.FLOAT, l.outChannels());
                memory gBiasMem = new memory(md(new long[] {l.outChannels()}, memory.format_tag.x), eng,
                        gBias.data().addressPointer());
                res.add(gBiasMem);
                backwardSteps.add(new Step(res.keep(new convolution_backward_weights(bw)), args(bw)
                        .put(DNNL_ARG_SRC, ins[i]).put(DNNL_ARG_DIFF_DST, dPre).put(DNNL_ARG_DIFF_WEIGHTS, dKernel)
                        .put(DNNL_ARG_DIFF_BIAS, gBiasMem)));
                memory gKernelMem = new memory(md(kernelDims(l), memory.format_tag.hwio), eng,
                        gKernel.data().addressPointer());
                res.add(gKernelMem);
                addReorder(backwardSteps, dKernel, gKernelMem, l.name() + " kernel gradient");
                implementations.add(l.name() + " backward weights: " + bw.impl_info_str().getString());
                gradients.put(l.name() + "_kernel", gKernel);
                gradients.put(l.name() + "_bias", gBias);
                if (b[2] != null) {
                    convolution_backward_data.primitive_desc bd = (convolution_backward_data.primitive_desc) b[2];
                    memory kernelForData = c.kernel;
                    if (!bd.weights_desc().equals(c.kernel.get_desc())) {
                        kernelForData = res.owned(bd.weights_desc());
                        addReorder(c.kernelReorders, c.userKernel, kernelForData, l.name() + " kernel for data");
                    }
                    memory ds = res.view(bd.diff_src_desc(), diff[next]);
                    next ^= 1;
                    backwardSteps.add(new Step(res.keep(new convolution_backward_data(bd)), args(bd)
                            .put(DNNL_ARG_DIFF_DST, dPre).put(DNNL_ARG_WEIGHTS, kernelForData)
                            .put(DNNL_ARG_DIFF_SRC, ds)));
                    implementations.add(l.name() + " backward data: " + bd.impl_info_str().getString());
                    d = ds;
                }
            }
        }

        private primitive_attr attr(boolean relu) {
            primitive_attr a = new primitive_attr();
            a.set_scratchpad_mode(scratchpad_mode.user);
            if (relu) {
                post_ops ops = new post_ops();
                ops.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
                a.set_post_ops(ops);
            }
            res.add(a);
            return a;
        }

        private IntMemoryMap args(primitive_desc_base pd) {
            IntMemoryMap m = new IntMemoryMap();
            m.put(DNNL_ARG_SCRATCHPAD, res.view(pd.scratchpad_desc(), scratchpad));
            res.add(m);
            return m;
        }

        private void addReorder(List<Step> to, memory from, memory dst, String what) {
            primitive_attr a = attr(false);
            reorder.primitive_desc pd = new reorder.primitive_desc(eng,
                    from.get_desc(), eng, dst.get_desc(), a, false);
            if (pd.scratchpad_desc().get_size() > scratch) {
                throw new IllegalStateException("reorder of " + what + " needs a larger scratchpad");
            }
            res.add(pd);
            IntMemoryMap m = args(pd).put(DNNL_ARG_FROM, from).put(DNNL_ARG_TO, dst);
            to.add(new Step(res.keep(new reorder(pd)), m));
        }

        void forward(INDArray x, Map<String, INDArray> params) {
            input = x; // the backward pass reads it through userIn: it must stay alive until the next forward
            userIn.set_data_handle(x.data().addressPointer());
            stream s = dnnl.stream();
            for (Conv c : convs) {
                INDArray k = params.get(c.name + "_kernel");
                INDArray b = params.get(c.name + "_bias");
                c.userKernel.set_data_handle(plainAddress(k, c.name + "_kernel"));
                c.userBias.set_data_handle(plainAddress(b, c.name + "_bias"));
                for (Step r : c.kernelReorders) {
                    r.primitive().execute(s, r.args());
                }
            }
            for (Step step : forwardSteps) {
                step.primitive().execute(s, step.args());
            }
            s._wait();
            Reference.reachabilityFence(params);
        }

        void backward(INDArray dOut) {
            userDiffOut.set_data_handle(dOut.data().addressPointer());
            stream s = dnnl.stream();
            for (Step step : backwardSteps) {
                step.primitive().execute(s, step.args());
            }
            s._wait();
            // oneDNN read dOut through a raw address: keep the array (and its native buffer) reachable until here
            Reference.reachabilityFence(dOut);
        }
    }

    private static Pointer plainAddress(INDArray a, String name) {
        if (a == null) {
            throw new IllegalArgumentException("No parameter " + name);
        }
        if (a.dataType() != DataType.FLOAT || a.isView() || a.ordering() != 'c' || a.offset() != 0) {
            throw new IllegalArgumentException("Parameter " + name + " must be a contiguous float array");
        }
        return a.data().addressPointer();
    }

    private static long[] kernelDims(Layer l) {
        return new long[] {l.outChannels(), l.inChannels(), l.kernelSize(), l.kernelSize()};
    }
}
