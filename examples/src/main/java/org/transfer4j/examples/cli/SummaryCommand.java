package org.transfer4j.examples.cli;

import java.util.concurrent.Callable;

import org.transfer4j.Head;
import org.transfer4j.TransferPipeline;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Bases;
import org.transfer4j.model.WeightsSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code transfer4j summary}: Keras-style summary of the conv base, or of base + head. */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = {"Print a Keras-style summary of the conv base (--base, VGG16 by default), or of base + head with --head.",
                "Needs no weights."})
final class SummaryCommand implements Callable<Integer> {

    @Option(names = "--base", paramLabel = "vgg16|vgg19|resnet50|mobilenet_v2", defaultValue = "vgg16",
            description = "The conv base. Default: ${DEFAULT-VALUE}.")
    String base;

    @Option(names = "--input", paramLabel = "SIZE", defaultValue = "150",
            description = "Input size: H (square) or HxW. Default: ${DEFAULT-VALUE}.")
    String input;

    @Option(names = "--head", paramLabel = "DSL",
            description = "Classifier head, e.g. \"dense(256).dropout(0.5).sigmoid()\".")
    String head;

    @Option(names = "--freeze-until", paramLabel = "LAYER",
            description = "Freeze every layer before LAYER (e.g. block5_conv1); default: the whole base is frozen "
                    + "when a head is given.")
    String freezeUntil;

    @Override
    public Integer call() {
        int[] hw = CliSupport.parseSize(input);
        ConvBase convBase = Bases.of(base, hw[0], hw[1], WeightsSource.imagenet());
        if (head == null && freezeUntil == null) {
            System.out.print(convBase.summary());
            return 0;
        }
        TransferPipeline pipeline = TransferPipeline.from(convBase);
        if (freezeUntil != null) {
            pipeline = pipeline.freezeUntil(freezeUntil);
        }
        if (head != null) {
            pipeline = pipeline.head(Head.parse(head));
        }
        System.out.print(pipeline.summary());
        return 0;
    }
}
