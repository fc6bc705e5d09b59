package org.transfer4j.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AugmenterTest {

    private static final Augmentation AUG = Augmentation.book().channelShift(10).rescale(1 / 255.0).seed(1234);

    private static List<HwcImage> images(int n, int h, int w) {
        SplittableRandom rng = new SplittableRandom(n);
        List<HwcImage> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] p = new float[h * w * 3];
            for (int j = 0; j < p.length; j++) {
                p[j] = rng.nextInt(256);
            }
            list.add(new HwcImage(h, w, 3, p));
        }
        return list;
    }

    private static List<AugmentedBatch> epoch(Augmenter augmenter, ImageSource source, long e) {
        try (Augmenter.Epoch it = augmenter.epoch(source, e)) {
            List<AugmentedBatch> out = new ArrayList<>();
            it.forEachRemaining(out::add);
            return out;
        }
    }

    @Test
    void an_epoch_is_identical_for_any_thread_count_prefetch_and_timing() {
        ImageSource source = ImageSource.of(images(23, 12, 9));
        List<AugmentedBatch> reference;
        try (Augmenter one = Augmenter.builder(AUG).threads(1).prefetch(1).batchSize(5).build()) {
            reference = epoch(one, source, 2);
        }
        for (int threads : new int[] {2, 3}) {
            try (Augmenter many = Augmenter.builder(AUG).threads(threads).prefetch(7).batchSize(5).build()) {
                assertThat(epoch(many, source, 2)).as("%d threads", threads).isEqualTo(reference);
            }
        }
        assertThat(reference).hasSize(5);
        assertThat(reference.get(4).indices()).containsExactly(20, 21, 22);
    }

    @Test
    void each_image_equals_the_single_image_pipeline_for_its_index() throws IOException {
        List<HwcImage> imgs = images(7, 10, 11);
        ImageSource source = ImageSource.of(imgs);
        try (Augmenter augmenter = Augmenter.builder(AUG).threads(2).batchSize(3).shuffle(true).build()) {
            List<AugmentedBatch> batches = epoch(augmenter, source, 5);
            int seen = 0;
            for (AugmentedBatch b : batches) {
                for (int i = 0; i < b.size(); i++) {
                    int index = b.indices()[i];
                    HwcImage expected = AUG.standardize(AUG.augment(source.image(index), 5, index));
                    assertThat(b.image(i)).isEqualTo(expected);
                    seen++;
                }
            }
            assertThat(seen).isEqualTo(7);
        }
    }

    @Test
    void shuffling_is_a_seeded_permutation_per_epoch() {
        try (Augmenter augmenter = Augmenter.builder(AUG).threads(1).shuffle(true).build();
             Augmenter same = Augmenter.builder(AUG).threads(2).shuffle(true).build();
             Augmenter plain = Augmenter.builder(AUG).threads(1).build()) {
            int[] e0 = augmenter.order(50, 0);
            assertThat(Arrays.stream(e0).sorted().toArray()).isEqualTo(IntStream.range(0, 50).toArray());
            assertThat(e0).isNotEqualTo(IntStream.range(0, 50).toArray());
            assertThat(augmenter.order(50, 1)).isNotEqualTo(e0);
            assertThat(same.order(50, 0)).isEqualTo(e0);
            assertThat(plain.order(50, 0)).isEqualTo(IntStream.range(0, 50).toArray());
        }
    }

    @Test
    void stream_yields_every_image_once_in_nhwc_batches() {
        ImageSource source = ImageSource.of(images(10, 4, 6));
        try (Augmenter augmenter = Augmenter.builder(AUG).threads(2).batchSize(4).build()) {
            List<AugmentedBatch> batches;
            try (var s = augmenter.stream(source, 0)) {
                batches = s.collect(Collectors.toList());
            }
            assertThat(batches).extracting(AugmentedBatch::size).containsExactly(4, 4, 2);
            assertThat(batches.get(0).shape()).containsExactly(4, 4, 6, 3);
            assertThat(batches.stream().flatMapToInt(b -> Arrays.stream(b.indices()))).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        }
    }

    @Test
    void prefetch_bounds_the_work_done_ahead_of_the_consumer() {
        AtomicInteger reads = new AtomicInteger();
        List<HwcImage> imgs = images(40, 3, 3);
        ImageSource counting = new ImageSource() {
            @Override
            public int size() {
                return imgs.size();
            }

            @Override
            public HwcImage image(int index) {
                reads.incrementAndGet();
                return imgs.get(index);
            }
        };
        try (Augmenter augmenter = Augmenter.builder(AUG).threads(2).prefetch(2).batchSize(4).build();
             Augmenter.Epoch it = augmenter.epoch(counting, 0)) {
            it.next();
            // delivered 1 batch, at most 2 more submitted: never more than 3 batches of 4 images read
            assertThat(reads.get()).isLessThanOrEqualTo(12);
            assertThat(it.batches()).isEqualTo(10);
        }
    }

    @Test
    void a_failing_source_surfaces_as_an_augmentation_exception_naming_the_image() {
        ImageSource broken = new ImageSource() {
            @Override
            public int size() {
                return 6;
            }

            @Override
            public HwcImage image(int index) throws IOException {
                if (index == 4) {
                    throw new IOException("corrupt JPEG cat.4.jpg");
                }
                return HwcImage.zeros(5, 5, 3);
            }
        };
        try (Augmenter augmenter = Augmenter.builder(AUG).threads(2).batchSize(2).build();
             Augmenter.Epoch it = augmenter.epoch(broken, 0)) {
            it.next();
            it.next();
            assertThatThrownBy(it::next).isInstanceOf(AugmentationException.class)
                    .hasMessageContaining("image 4").hasMessageContaining("corrupt JPEG")
                    .hasCauseInstanceOf(IOException.class);
        }
    }

    @Test
    void images_of_different_sizes_in_one_batch_are_rejected() {
        ImageSource mixed = ImageSource.of(List.of(HwcImage.zeros(5, 5, 3), HwcImage.zeros(6, 5, 3)));
        try (Augmenter augmenter = Augmenter.builder(AUG).threads(1).batchSize(2).build();
             Augmenter.Epoch it = augmenter.epoch(mixed, 0)) {
            assertThatThrownBy(it::next).isInstanceOf(AugmentationException.class)
                    .hasMessageContaining("image 1 is 6x5x3 but the batch is 5x5x3");
        }
    }

    @Test
    void closed_augmenter_refuses_work_and_featurewise_needs_a_fit() {
        ImageSource source = ImageSource.of(images(3, 4, 4));
        Augmenter augmenter = Augmenter.builder(AUG).threads(1).build();
        augmenter.close();
        assertThatThrownBy(() -> augmenter.epoch(source, 0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        try (Augmenter featurewise = Augmenter.builder(AUG.featurewiseCenter(true)).threads(1).build()) {
            assertThatThrownBy(() -> featurewise.epoch(source, 0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("fit");
        }
        assertThatThrownBy(() -> Augmenter.builder(AUG).threads(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads must be in [1, 1024]");
        assertThatThrownBy(() -> Augmenter.builder(AUG).batchSize(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch_size must be >= 1");
    }

    @Test
    void closing_an_epoch_early_stops_it() {
        ImageSource source = ImageSource.of(images(20, 4, 4));
        try (Augmenter augmenter = Augmenter.builder(AUG).threads(2).batchSize(2).build()) {
            Augmenter.Epoch it = augmenter.epoch(source, 0);
            it.next();
            it.close();
            assertThat(it.hasNext()).isFalse();
            // the augmenter stays usable for the next epoch
            assertThat(epoch(augmenter, source, 1)).hasSize(10);
        }
    }
}
