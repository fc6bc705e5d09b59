package org.transfer4j.examples.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code transfer4j} command-line launcher. Each subcommand is a class of its own in this package.
 */
@Command(name = "transfer4j",
        mixinStandardHelpOptions = true,
        versionProvider = Transfer4j.Version.class,
        description = "Transfer learning with pretrained convnets on Deeplearning4j.",
        subcommands = {
                CommandLine.HelpCommand.class,
                QuickstartCommand.class,
                SummaryCommand.class,
                ExtractCommand.class,
                TrainCommand.class,
                FineTuneCommand.class,
                PredictCommand.class,
                ReportCommand.class,
                PlotCommand.class,
                DatasetsCommand.class,
        })
public final class Transfer4j implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line; tests call subcommands through it. Errors print as one line, exit code 1. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Transfer4j());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("transfer4j " + commandLine.getCommandName() + ": " + message(e));
            return 1;
        });
        return cl;
    }

    /**
     * The one-line error: the exception's message, except for the JDK's file-system exceptions, whose message is
     * only the path; they say what is wrong ({@code no such file: missing.png}).
     */
    static String message(Throwable e) {
        if (e instanceof FileSystemException f && (f.getReason() == null
                || f.getMessage().equals(f.getFile()))) {
            String what = e instanceof NoSuchFileException ? "no such file"
                    : e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof NotDirectoryException ? "not a directory"
                    : e instanceof FileAlreadyExistsException ? "already exists"
                    : e instanceof DirectoryNotEmptyException ? "directory not empty"
                    : "cannot access";
            return what + ": " + f.getFile() + (f.getOtherFile() == null ? "" : " (" + f.getOtherFile() + ")");
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.toString() : m;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Reports the version from the jar manifest (or "development" when run from classes). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Transfer4j.class.getPackage().getImplementationVersion();
            return new String[] {"transfer4j " + (v == null ? "development" : v)};
        }
    }
}
