package org.transfer4j.io;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

/**
 * JSON that every strict parser accepts: {@code NaN} and {@code ±Infinity} are not JSON (RFC 8259), so Jackson's
 * bare tokens (or its {@code "NaN"} strings) break {@code jq}, browsers and default {@code ObjectMapper}s. Mappers
 * built here write every non-finite {@code double}/{@code float} (boxed, primitive, or in a primitive array) as
 * {@code null}; readers turn {@code null} back into NaN where a number is expected.
 *
 * <p>Trees ({@code ObjectNode}) bypass serializers: put {@link #number(double)}-checked values into them yourself.
 * Thread-safe (stateless; Jackson mappers are thread-safe once built).
 */
public final class StrictJson {
    private StrictJson() {
    }

    /** A builder with the non-finite-as-null module registered; add features and {@code build()}. */
    public static JsonMapper.Builder builder() {
        return JsonMapper.builder().addModule(module());
    }

    /** The module: non-finite floating-point values serialise as {@code null}. */
    public static SimpleModule module() {
        SimpleModule m = new SimpleModule("transfer4j-strict-json");
        StdSerializer<Double> d = new StdSerializer<>(Double.class) {
            @Override
            public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
                writeDouble(g, v);
            }
        };
        StdSerializer<Float> f = new StdSerializer<>(Float.class) {
            @Override
            public void serialize(Float v, JsonGenerator g, SerializerProvider p) throws IOException {
                if (Float.isFinite(v)) {
                    g.writeNumber(v);
                } else {
                    g.writeNull();
                }
            }
        };
        m.addSerializer(Double.class, d);
        m.addSerializer(double.class, d);
        m.addSerializer(Float.class, f);
        m.addSerializer(float.class, f);
        m.addSerializer(double[].class, new StdSerializer<>(double[].class) {
            @Override
            public void serialize(double[] values, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeStartArray(values, values.length);
                for (double v : values) {
                    writeDouble(g, v);
                }
                g.writeEndArray();
            }
        });
        m.addSerializer(float[].class, new StdSerializer<>(float[].class) {
            @Override
            public void serialize(float[] values, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeStartArray(values, values.length);
                for (float v : values) {
                    if (Float.isFinite(v)) {
                        g.writeNumber(v);
                    } else {
                        g.writeNull();
                    }
                }
                g.writeEndArray();
            }
        });
        return m;
    }

    /** Writes {@code v}, or {@code null} when it is NaN or infinite. */
    public static void writeDouble(JsonGenerator g, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumber(v);
        } else {
            g.writeNull();
        }
    }

    /** {@code v} if finite, else null: for values put into trees and maps. */
    public static Double number(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
