import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.Heads;
import org.transfer4j.Optimizers;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.features.Npy;
import org.transfer4j.internal.engine.SuffixNet;
import org.transfer4j.internal.train.ArrayBatchSource;
import org.transfer4j.internal.train.Trainer;

/**
 * transfer4j's half of the same-start check (see same_start.py): trains the initial weights same_start.py saved,
 * without dropout or shuffling, and prints the mean loss per epoch.
 * {@code java -cp 'examples/target/lib/*' benchmarks/python/SameStartCheck.java RUN/features WORKDIR [LR] [EPOCHS]}
 */
public class SameStartCheck {
    public static void main(String[] args) throws Exception {
        FeatureSet train = FeatureCache.at(Path.of(args[0], "train")).load();
        Path work = Path.of(args[1]);
        double lr = args.length > 2 ? Double.parseDouble(args[2]) : 1e-4;
        int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int k = train.classIndices().size();
        SuffixNet net = new SuffixNet(train.featureShape(), List.of(), null, Heads.dense(256).softmax(k), 1);
        Map<String, INDArray> v = net.variableValues();
        String[][] names = {{"dense_1_W", "w1"}, {"dense_1_b", "b1"}, {"dense_2_W", "w2"}, {"dense_2_b", "b2"}};
        for (String[] n : names) {
            Npy.Floats f = Npy.readFloats(work.resolve(n[1] + ".npy"));
            long[] shape = java.util.Arrays.stream(f.shape()).asLongStream().toArray();
            v.put(n[0], Nd4j.create(f.data(), shape, 'c'));
        }
        net.setVariableValues(v);
        ArrayBatchSource source = new ArrayBatchSource(train.features(), train.featureShape(), train.classes(), k, 20,
                false, 0);
        Trainer.Result r = Trainer.fit(net, source, null, new Trainer.Plan(epochs, 0, 0, Optimizers.rmsprop(lr), 0,
                Map.of(), Map.of(), null, null, List.of()));
        List<Double> loss = r.history().get("loss");
        for (int e = 0; e < loss.size(); e++) {
            System.out.printf(java.util.Locale.ROOT, "epoch %d loss %.7f%n", e + 1, loss.get(e));
        }
    }
}
