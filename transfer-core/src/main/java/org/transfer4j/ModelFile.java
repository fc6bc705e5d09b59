package org.transfer4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.LoggerFactory;
import org.transfer4j.features.Npy;
import org.transfer4j.internal.engine.Dnnl;
import org.transfer4j.internal.engine.SuffixNet;
import org.transfer4j.internal.io.Provenances;
import org.transfer4j.io.AtomicFiles;
import org.transfer4j.io.History;
import org.transfer4j.io.Provenance;
import org.transfer4j.io.StrictJson;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Preprocessing;
import org.transfer4j.model.Bases;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsException;
import org.transfer4j.model.WeightsSource;

/**
 * The saved-model format: one zip holding {@code model.json} (configuration and provenance), {@code history.json},
 * the trainable weights as {@code suffix/<variable>.npy} and, if asked, the base's weights as
 * {@code base/<layer>_kernel.npy} / {@code _bias.npy} — otherwise a reference to them by source and checksum. Plain
 * JSON and NumPy files: no Java serialization, and every entry name is checked before it is read.
 */
final class ModelFile {
    /** The format written; 1 (flat provenance fields) is still read. */
    static final int FORMAT = 2;
    static final String CONFIG = "model.json";
    static final String HISTORY = "history.json";
    private static final Pattern ENTRY = Pattern.compile("(model\\.json|history\\.json|(suffix|base)/[A-Za-z0-9_]+\\.npy)");
    private static final long MAX_ENTRY_BYTES = 2L << 30;
    static final JsonMapper JSON = StrictJson.builder().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private ModelFile() {
    }

    /**
     * {@code model.json}. Format 2 holds the {@link Provenance} record ({@code provenance}); format 1 (older files)
     * held its fields flat ({@code base}, {@code input}, {@code preprocessing}, {@code weights_checksum},
     * {@code cut_layer}, {@code precision}) with a {@code library} text: those are read, never written.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Config(
            @JsonProperty("format") int format,
            @JsonProperty("provenance") Provenance provenance,
            @JsonProperty("weights_source") String weightsSource,
            @JsonProperty("weights_file") String weightsFile,
            @JsonProperty("weights_seed") Long weightsSeed,
            @JsonProperty("base_weights_embedded") boolean baseWeightsEmbedded,
            @JsonProperty("freeze_until") String freezeUntil,
            @JsonProperty("head") String head,
            @JsonProperty("loss") String loss,
            @JsonProperty("class_indices") LinkedHashMap<String, Integer> classIndices,
            @JsonProperty("optimizer") String optimizer,
            @JsonProperty("epochs") int epochs,
            @JsonProperty("batch_size") int batchSize,
            @JsonProperty("seed") long seed,
            @JsonProperty("augmentation") String augmentation,
            @JsonProperty("phase_starts") List<Integer> phaseStarts,
            @JsonProperty("variables") LinkedHashMap<String, List<Long>> variables,
            // format 1, read only
            @JsonProperty("library") String library,
            @JsonProperty("base") String base,
            @JsonProperty("input") List<Integer> input,
            @JsonProperty("preprocessing") String preprocessing,
            @JsonProperty("weights_checksum") String weightsChecksum,
            @JsonProperty("cut_layer") String cutLayer,
            @JsonProperty("precision") String precision) {

        /** The provenance, from either format. */
        Provenance recorded() {
            if (provenance != null) {
                return provenance;
            }
            return new Provenance(base, null, weightsChecksum, cutLayer, preprocessing, input, precision,
                    library == null ? Map.of() : Map.of("library", library));
        }
    }

    static void save(TransferModel model, Path file, boolean includeBaseWeights) throws IOException {
        TransferPipeline p = model.pipeline();
        Weights weights = model.baseWeightsForSaving(includeBaseWeights);
        WeightsSource source = p.base().weightsSource();
        String sourceKind = source instanceof WeightsSource.Random ? "random"
                : source instanceof WeightsSource.FileSource ? "file"
                : source instanceof WeightsSource.KerasArrays ? "arrays" : "imagenet";
        String weightsFile = source instanceof WeightsSource.FileSource f ? f.path().toAbsolutePath().toString()
                : source instanceof WeightsSource.Imagenet i ? i.file().map(x -> x.toAbsolutePath().toString()).orElse(null)
                : null;
        Long seed = source instanceof WeightsSource.Random r ? r.seed() : null;
        Map<String, INDArray> suffix = model.trainableVariables();
        LinkedHashMap<String, List<Long>> shapes = new LinkedHashMap<>();
        suffix.forEach((k, v) -> shapes.put(k, Arrays.stream(v.shape()).boxed().toList()));
        String checksum = weights == null ? model.baseWeightsChecksum() : weights.checksum();
        Config config = new Config(FORMAT, Provenances.of(p.base(), checksum, p.cutLayer().name(), p.precision()),
                sourceKind, weightsFile, seed, includeBaseWeights, p.firstTrainableLayer().map(Layer::name).orElse(null),
                TrainingRun.requireHead(p).toString(), TrainingRun.requireHead(p).loss().kerasName(),
                new LinkedHashMap<>(sortedByIndex(model.classIndices())), p.trainingOptions().optimizer().describe(),
                p.trainingOptions().epochs(), p.trainingOptions().batchSize(), p.trainingOptions().seed(),
                model.augmentationDescription(), model.history().phaseStarts(), shapes,
                null, null, null, null, null, null, null);
        Path staging = AtomicFiles.tempBeside(file, true);
        try {
            Files.writeString(staging.resolve(CONFIG), JSON.writeValueAsString(config));
            model.history().writeJson(staging.resolve(HISTORY));
            Files.createDirectories(staging.resolve("suffix"));
            for (Map.Entry<String, INDArray> e : suffix.entrySet()) {
                INDArray a = e.getValue().castTo(DataType.FLOAT).dup('c');
                Npy.write(staging.resolve("suffix/" + e.getKey() + ".npy"), a.data().asFloat(), intShape(a.shape()));
            }
            if (includeBaseWeights) {
                Files.createDirectories(staging.resolve("base"));
                for (Map.Entry<String, LayerWeights> e : weights.layers().entrySet()) {
                    LayerWeights w = e.getValue();
                    for (String name : w.names()) { // base/<layer>_<weight>.npy: block1_conv1_kernel, conv1_bn_gamma
                        Npy.write(staging.resolve("base/" + e.getKey() + "_" + name + ".npy"), w.values(name),
                                intShape(w.shape(name)));
                    }
                }
            }
            AtomicFiles.write(file, out -> zip(staging, out));
        } catch (IOException e) {
            AtomicFiles.deleteTree(staging, e);
            if (e.getMessage() != null && e.getMessage().contains(file.toString())) {
                throw e;
            }
            // e.g. a full disk while staging: name the file being saved, not only the staging folder
            throw new IOException("Cannot save model to " + file + ": " + e.getMessage(), e);
        } finally {
            AtomicFiles.deleteTree(staging);
        }
    }

    private static void zip(Path dir, OutputStream out) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(out); var files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = dir.relativize(p).toString().replace('\\', '/');
                zip.putNextEntry(new ZipEntry(name));
                Files.copy(p, zip);
                zip.closeEntry();
            }
        }
    }

    /**
     * The recorded precision (fp32 for models saved before precisions existed); a bf16 model loaded where bf16
     * cannot run predicts in fp32, with a warning (its features differ by less than 2e-2 relative).
     */
    private static Precision loadedPrecision(String recorded, Path file) {
        Precision p = recorded == null ? Precision.FP32 : Precision.parse(recorded);
        if (p == Precision.BF16 && Dnnl.bf16Unsupported() != null) {
            LoggerFactory.getLogger(ModelFile.class).warn("Model {} was trained with bf16, which cannot run "
                    + "here ({}); predicting in fp32", file, Dnnl.bf16Unsupported());
            return Precision.FP32;
        }
        return p;
    }

    static TransferModel load(Path file, WeightsSource override) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("No model file at " + file);
        }
        Path staging = AtomicFiles.tempBeside(file.toAbsolutePath().resolveSibling(file.getFileName() + ".load"), true);
        try {
            unzip(file, staging);
            if (!Files.isRegularFile(staging.resolve(CONFIG))) {
                throw new IOException("Model file " + file + " has no " + CONFIG + "; is it a transfer4j model?");
            }
            Config c = JSON.readValue(staging.resolve(CONFIG).toFile(), Config.class);
            if (c.format() != FORMAT && c.format() != 1) {
                throw new IOException("Model file " + file + " has format " + c.format() + "; this library reads "
                        + "1 and " + FORMAT);
            }
            Provenance made = c.recorded();
            if (!Bases.NAMES.contains(made.base())) {
                throw new IOException("Model file " + file + ": unknown base '" + made.base() + "'; bases are "
                        + String.join(", ", Bases.NAMES));
            }
            if (override == null && "arrays".equals(c.weightsSource()) && !c.baseWeightsEmbedded()) {
                throw new IOException("Model file " + file + " was trained on base weights given as arrays ("
                        + made.weightsChecksum() + ") and does not embed them; pass those weights when loading it");
            }
            WeightsSource source = override != null ? override : switch (c.weightsSource()) {
                case "random", "arrays" -> WeightsSource.random(c.weightsSeed() == null ? 0 : c.weightsSeed());
                case "file" -> WeightsSource.file(Path.of(c.weightsFile()));
                default -> c.weightsFile() != null ? ((WeightsSource.Imagenet) WeightsSource.imagenet())
                        .withFile(Path.of(c.weightsFile())) : WeightsSource.imagenet();
            };
            ConvBase base = Bases.of(made.base(), made.input().get(0), made.input().get(1), source)
                    .withPreprocessing(Preprocessing.of(made.preprocessing()));
            Weights weights;
            if (c.baseWeightsEmbedded()) {
                Map<String, LayerWeights> byLayer = new LinkedHashMap<>();
                for (Layer l : base.layers()) {
                    if (l.hasWeights()) {
                        LayerWeights.Builder b = LayerWeights.builder();
                        for (Layer.Weight w : l.weights()) {
                            Npy.Floats a = Npy.readFloats(staging.resolve("base/" + l.name() + "_" + w.name() + ".npy"));
                            b.put(w.name(), longShape(a.shape()), a.data());
                        }
                        byLayer.put(l.name(), b.build());
                    }
                }
                weights = Weights.of(base.layers(), byLayer, made.weightsChecksum(), file + " (embedded base weights)");
            } else {
                weights = base.loadWeights();
                if (!weights.checksum().equals(made.weightsChecksum())) {
                    throw new WeightsException("Model file " + file + " was trained on base weights "
                            + made.weightsChecksum() + " but " + weights.description() + " has " + weights.checksum()
                            + "; pass the original weights file");
                }
            }
            TransferPipeline pipeline = TransferPipeline.from(base).head(Head.parse(c.head()))
                    .batchSize(c.batchSize()).seed(c.seed());
            if (c.freezeUntil() != null) {
                pipeline = pipeline.freezeUntil(c.freezeUntil());
            }
            pipeline = pipeline.precision(loadedPrecision(made.precision(), file));
            TrainingRun.checkClasses(TrainingRun.requireHead(pipeline), c.classIndices());
            SuffixNet suffix = TrainingRun.freshSuffix(pipeline, weights);
            Map<String, INDArray> values = new LinkedHashMap<>();
            for (String v : c.variables().keySet()) {
                Npy.Floats f = Npy.readFloats(staging.resolve("suffix/" + v + ".npy"));
                values.put(v, Nd4j.create(f.data(), longShape(f.shape()), 'c'));
            }
            suffix.setVariableValues(values);
            History history = History.readJson(staging.resolve(HISTORY)).withPhaseStarts(c.phaseStarts());
            return new TransferModel(pipeline, c.classIndices(), weights, suffix, history, null, c.augmentation());
        } catch (IllegalArgumentException e) {
            throw new IOException("Model file " + file + " is inconsistent: " + e.getMessage(), e);
        } finally {
            AtomicFiles.deleteTree(staging);
        }
    }

    private static void unzip(Path file, Path dir) throws IOException {
        List<String> seen = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                String name = e.getName();
                if (e.isDirectory()) {
                    continue;
                }
                if (!ENTRY.matcher(name).matches() || seen.contains(name)) {
                    throw new IOException("Model file " + file + " has an unexpected entry '" + name + "'");
                }
                seen.add(name);
                Path target = dir.resolve(name);
                Files.createDirectories(target.getParent());
                try (OutputStream out = Files.newOutputStream(target)) {
                    byte[] buffer = new byte[1 << 16];
                    long total = 0;
                    int n;
                    while ((n = zip.read(buffer)) >= 0) {
                        total += n;
                        if (total > MAX_ENTRY_BYTES) {
                            throw new IOException("Model file " + file + ": entry '" + name + "' is larger than "
                                    + MAX_ENTRY_BYTES + " bytes");
                        }
                        out.write(buffer, 0, n);
                    }
                }
            }
        } catch (ZipException e) {
            throw new IOException("Model file " + file + " is not a readable zip: " + e.getMessage(), e);
        }
        if (seen.isEmpty()) {
            throw new IOException("Model file " + file + " is empty or not a zip");
        }
    }

    private static Map<String, Integer> sortedByIndex(Map<String, Integer> m) {
        Map<String, Integer> out = new LinkedHashMap<>();
        m.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private static int[] intShape(long[] shape) {
        return Arrays.stream(shape).mapToInt(Math::toIntExact).toArray();
    }

    private static long[] longShape(int[] shape) {
        return Arrays.stream(shape).asLongStream().toArray();
    }
}
