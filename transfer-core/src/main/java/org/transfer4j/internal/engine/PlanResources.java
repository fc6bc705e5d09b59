package org.transfer4j.internal.engine;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.Pointer;

/**
 * The native objects one plan of a oneDNN engine creates — memories, descriptors, attributes, primitives, argument maps
 * — kept reachable while the plan lives (a primitive reads its descriptors and memories by address) and closed with it,
 * newest first. The training engines' plans ({@link DnnlConvStack}, {@link DnnlGraphTrainer}) make their memories
 * here.
 *
 * <p>Not thread-safe: a plan is built and used by one thread.
 */
final class PlanResources {
    private final engine eng;
    private final List<Pointer> kept = new ArrayList<>();

    PlanResources(engine eng) {
        this.eng = eng;
    }

    /** Keeps {@code p} until {@link #close()}. */
    void add(Pointer p) {
        kept.add(p);
    }

    /** Keeps {@code p} until {@link #close()}, and returns it. */
    <P extends Pointer> P keep(P p) {
        kept.add(p);
        return p;
    }

    /** A memory without a buffer: its data handle is set before each use (a caller's array). */
    memory wrap(memory.desc d) {
        return keep(new memory(d, eng, new Pointer()));
    }

    /** A memory whose buffer oneDNN allocates (and frees with it). */
    memory owned(memory.desc d) {
        return keep(new memory(d, eng));
    }

    /** {@code d} over the buffer of {@code buffer} (several layouts or sizes sharing one allocation). */
    memory view(memory.desc d, memory buffer) {
        return keep(new memory(d, eng, buffer.get_data_handle()));
    }

    /** An owned buffer of at least {@code size} bytes (at least 64). */
    memory bytes(long size) {
        return owned(new memory.desc(new long[] {Math.max(size, 64)}, memory.data_type.u8, memory.format_tag.a));
    }

    /** Closes everything kept, newest first. */
    void close() {
        for (int i = kept.size() - 1; i >= 0; i--) {
            kept.get(i).close();
        }
        kept.clear();
    }
}
