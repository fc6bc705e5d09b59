package org.transfer4j.datasets;

import java.net.URI;
import java.nio.file.Path;

/** Runs one download in its own JVM, for the cross-process locking test: {@code DownloadMain URI TARGET}. */
public final class DownloadMain {

    private DownloadMain() {
    }

    public static void main(String[] args) throws Exception {
        Downloader.defaults().download(URI.create(args[0]), Path.of(args[1]));
        System.out.println("done");
    }
}
