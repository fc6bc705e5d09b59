package org.transfer4j.internal.engine;

import java.util.Arrays;
import java.util.Locale;

import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.dnnl_version_t;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.model.Layer;

/**
 * The process's oneDNN CPU engine and stream (JavaCPP's {@code org.bytedeco:dnnl} preset, oneDNN 2.5.2), loaded on
 * first use, and what this CPU can run. libnd4jcpu carries its own, statically linked oneDNN and exports none of its
 * symbols, so the two copies live side by side.
 *
 * <p>Thread-safe: the engine and stream are created once. The stream is in-order; the engines that use it run one
 * pass at a time each, and each pass waits for its own primitives.
 */
public final class Dnnl {
    private static final Logger LOG = LoggerFactory.getLogger(Dnnl.class);

    private static volatile Dnnl instance;
    private static volatile String unavailable;

    private final engine engine;
    private final stream stream;
    private final String isa;
    private final boolean bf16;

    private Dnnl() {
        this.engine = new engine(org.bytedeco.dnnl.engine.kind.cpu, 0);
        this.stream = new stream(engine);
        int effective = dnnl.dnnl_get_effective_cpu_isa();
        String name = "isa 0x" + Integer.toHexString(effective);
        for (dnnl.cpu_isa i : dnnl.cpu_isa.values()) {
            if (i.value == effective) {
                name = i.name();
            }
        }
        this.isa = name;
        int needed = dnnl.cpu_isa.avx512_core_bf16.value; // a bit mask; AMX's includes it
        this.bf16 = effective != dnnl.cpu_isa.all.value && (effective & needed) == needed;
    }

    /**
     * The engine, loading oneDNN the first time.
     *
     * @throws IllegalStateException if oneDNN cannot be loaded on this platform
     */
    /**
     * {@code x} as the first layer's input, as oneDNN reads it by address: an NHWC batch of that layer's input shape,
     * contiguous float32 from offset 0 (copied into that form when it is not).
     *
     * @throws IllegalArgumentException for another rank or shape, naming the layer
     */
    static INDArray nhwcInput(INDArray x, Layer first) {
        int[] in = first.inputShape();
        if (x.rank() != 4 || x.size(1) != in[0] || x.size(2) != in[1] || x.size(3) != in[2]) {
            throw new IllegalArgumentException("Expected NHWC input [n, " + in[0] + ", " + in[1] + ", " + in[2]
                    + "] for " + first.name() + "; got " + Arrays.toString(x.shape()));
        }
        if (x.dataType() != DataType.FLOAT || x.isView() || x.ordering() != 'c' || x.offset() != 0) {
            return x.castTo(DataType.FLOAT).dup('c');
        }
        return x;
    }

    public static Dnnl get() {
        Dnnl d = instance;
        if (d == null) {
            synchronized (Dnnl.class) {
                d = instance;
                if (d == null) {
                    if (unavailable != null) {
                        throw new IllegalStateException("oneDNN is not available: " + unavailable);
                    }
                    try {
                        d = new Dnnl();
                    } catch (RuntimeException | LinkageError e) {
                        unavailable = e.toString();
                        throw new IllegalStateException("oneDNN is not available: " + unavailable, e);
                    }
                    instance = d;
                    LOG.info("oneDNN {} engine: CPU ISA {}, bf16 {}", version(), d.isa, d.bf16 ? "yes" : "no");
                }
            }
        }
        return d;
    }

    /** Whether the ND4J backend in use is the CPU one (where the oneDNN engine is the default). */
    public static boolean nd4jOnCpu() {
        return Nd4j.getBackend().getClass().getSimpleName().toLowerCase(Locale.ROOT).contains("cpu");
    }

    /**
     * Whether the engines run on oneDNN: by default where ND4J runs on the CPU and oneDNN loads;
     * {@code -Dtransfer4j.engine=nd4j} picks libnd4j's ops instead (for comparison), {@code onednn} insists.
     *
     * @throws IllegalStateException for another value of the property
     */
    public static boolean selected() {
        String chosen = System.getProperty(PrefixEngine.BACKEND_PROPERTY, "").trim()
                .toLowerCase(Locale.ROOT);
        return switch (chosen) {
            case "" -> nd4jOnCpu() && available();
            case "onednn" -> true;
            case "nd4j" -> false;
            default -> throw new IllegalStateException("Unknown " + PrefixEngine.BACKEND_PROPERTY + "='" + chosen
                    + "'; valid: onednn, nd4j");
        };
    }

    /** Whether oneDNN loads here (loads it if not yet). */
    public static boolean available() {
        try {
            get();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Why BF16 cannot run here, or {@code null} if it can. */
    public static String bf16Unsupported() {
        if (!nd4jOnCpu()) {
            return "bf16 runs on the oneDNN CPU engine, and the ND4J backend is "
                    + Nd4j.getBackend().getClass().getSimpleName();
        }
        if (!available()) {
            return "oneDNN is not available (" + unavailable + ")";
        }
        Dnnl d = get();
        return d.bf16 ? null : "this CPU's instruction set is " + d.isa + ", and bf16 needs avx512_core_bf16 or AMX";
    }

    private static String version() {
        dnnl_version_t v = dnnl.dnnl_version();
        return v.major() + "." + v.minor() + "." + v.patch();
    }

    engine engine() {
        return engine;
    }

    /**
     * A conv layer's fp32 kernel ({@code kernelDims} in {@code kernelTag}, e.g. Keras's {@code hwio}) and bias copied
     * once into the layouts and data type {@code pd} asks for; the reorders run and are waited for here.
     *
     * @return {@code {weights, bias}} in {@code pd}'s descriptors
     */
    memory[] reorderWeights(convolution_forward.primitive_desc pd, long[] kernelDims, memory.format_tag kernelTag,
            float[] kernel, float[] bias) {
        engine eng = engine();
        try (FloatPointer k = new FloatPointer(kernel); FloatPointer b = new FloatPointer(bias)) {
            memory userW = new memory(new memory.desc(kernelDims, memory.data_type.f32, kernelTag), eng, k);
            memory userB = new memory(new memory.desc(new long[] {bias.length}, memory.data_type.f32,
                    memory.format_tag.x), eng, b);
            memory wm = new memory(pd.weights_desc(), eng);
            memory bm = new memory(pd.bias_desc(), eng);
            stream s = stream();
            new reorder(userW, wm).execute(s, userW, wm);
            new reorder(userB, bm).execute(s, userB, bm);
            s._wait();
            return new memory[] {wm, bm};
        }
    }

    stream stream() {
        return stream;
    }

    /** oneDNN's name for the instruction set it runs, e.g. {@code avx512_core_bf16}. */
    public String isa() {
        return isa;
    }
}
