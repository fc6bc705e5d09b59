package org.transfer4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SummaryCommandTest {

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            CommandLine cl = Transfer4j.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Run(code, bytes.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void summary_prints_the_conv_base_at_150() {
        Run r = run("summary", "--input", "150");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("block5_pool (MaxPooling2D)   (None, 4, 4, 512)")
                .contains("Total params: 14,714,688");
    }

    @Test
    void summary_of_each_base_has_kerases_names_and_counts() {
        Run r = run("summary", "--base", "resnet50", "--input", "224");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("conv5_block3_out (Activation)").contains("(None, 7, 7, 2048)")
                .contains("Total params: 23,587,712").contains("Non-trainable params: 53,120");
        Run m = run("summary", "--base", "mobilenet_v2", "--input", "224");
        assertThat(m.out()).contains("block_16_project_BN (BatchNormalization)").contains("Total params: 2,257,984");
        Run v = run("summary", "--base", "vgg19", "--input", "224");
        assertThat(v.out()).contains("block5_conv4 (Conv2D)").contains("Total params: 20,024,384");
        Run h = run("summary", "--base", "resnet50", "--input", "224", "--head", "dense(256).sigmoid()");
        assertThat(h.out()).contains("(None, 2048)").doesNotContain("flatten");
        Run bad = run("summary", "--base", "resnet51");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("resnet51").contains("mobilenet_v2");
    }

    @Test
    void summary_with_head_and_freeze_point() {
        Run r = run("summary", "--input", "150", "--head", "dense(256).dropout(0.5).sigmoid()",
                "--freeze-until", "block5_conv1");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Total params: 16,812,353").contains("Trainable params: 9,177,089");
    }

    @Test
    void a_bad_layer_fails_with_one_line_and_exit_1() {
        Run r = run("summary", "--head", "dense(256).sigmoid()", "--freeze-until", "block9_conv1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("Unknown layer 'block9_conv1' in vgg16; layers are block1_conv1");
        assertThat(r.err().strip().lines()).hasSize(1);
    }

    @Test
    void input_below_32_is_refused() {
        Run r = run("summary", "--input", "16");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("at least 32x32");
    }
}
