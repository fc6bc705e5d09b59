/**
 * JMH benchmarks, one concern per class; run with {@code java -jar benchmarks/target/benchmarks.jar}.
 *
 * <p>{@code ConvBaseForwardBenchmark}, {@code FineTuneStepBenchmark} and {@code FrozenAugmentedStepBenchmark} have
 * PyTorch peers in {@code /work/shared/bench} ({@code torch_vgg16_cpu.py}, {@code torch_vgg16_finetune_cpu.py},
 * {@code torch_vgg16_finetune_cpu.py --frozen-all}); run each pair back to back and compare the ratio.
 * {@code ConvBaseForwardBenchmark -p base=vgg19|resnet50|mobilenet_v2} has {@code benchmarks/python/torch_bases_cpu.py}
 * (torchvision's models, ResNet50 changed to Keras's v1) as its peer. One invocation
 * is one batch: images/s = batch / (s/op). {@code HeadTrainingBenchmark} times the book's 30-epoch head training,
 * {@code ExtractionBenchmark} a whole feature-cache extraction against the forward pass alone, and
 * {@code AugmentBenchmark} the augmentation.
 */
package org.transfer4j.benchmarks;
