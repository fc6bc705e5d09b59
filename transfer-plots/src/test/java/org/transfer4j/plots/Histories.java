package org.transfer4j.plots;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;
import org.transfer4j.io.History;

/** Test data and decoders used by every test of this module: the one place that makes histories. */
final class Histories {

    private Histories() {
    }

    /**
     * A deterministic history shaped like the book's approach 1 (training improves steadily, validation flattens and
     * validation loss creeps back up), with Keras 2 keys in Keras's order.
     */
    static History bookLike(int epochs) {
        double[] loss = new double[epochs];
        double[] acc = new double[epochs];
        double[] valLoss = new double[epochs];
        double[] valAcc = new double[epochs];
        for (int i = 0; i < epochs; i++) {
            double t = epochs == 1 ? 0 : i / (epochs - 1.0);
            double wiggle = 0.01 * Math.sin(1.7 * i);
            acc[i] = 0.62 + 0.33 * (1 - Math.exp(-4 * t)) + wiggle;
            valAcc[i] = 0.84 + 0.06 * (1 - Math.exp(-6 * t)) - wiggle;
            loss[i] = 0.6 * Math.exp(-3 * t) + 0.1 + wiggle;
            valLoss[i] = 0.35 - 0.1 * (1 - Math.exp(-8 * t)) + 0.05 * t + 2 * wiggle;
        }
        return History.empty().with("loss", loss).with("acc", acc).with("val_loss", valLoss)
                .with("val_acc", valAcc);
    }

    /** {@link #bookLike(int)} without the validation series. */
    static History trainingOnly(int epochs) {
        History full = bookLike(epochs);
        return History.empty().with("loss", full.series("loss")).with("acc", full.series("acc"));
    }

    static BufferedImage decodePng(byte[] png) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
            if (image == null) {
                throw new IllegalStateException("ImageIO found no PNG in " + png.length + " bytes");
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pixels of matplotlib's 'b' (allowing for anti-aliasing) inside the central 80% of the image. */
    static int bluePixelsInPlotArea(BufferedImage image) {
        int count = 0;
        for (int y = image.getHeight() / 10; y < image.getHeight() * 9 / 10; y++) {
            for (int x = image.getWidth() / 10; x < image.getWidth() * 9 / 10; x++) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                if (b > 200 && r < 100 && g < 100) {
                    count++;
                }
            }
        }
        return count;
    }

    /** Parses XML without fetching the DTD the SVG names (tests never touch the network). */
    static Document parseXml(String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw new AssertionError("not well-formed XML: " + e.getMessage(), e);
        }
    }
}
