package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The public surface that {@code module-info.java} exports: what a user can see must not carry ND4J, DL4J, JavaCPP,
 * DataVec or XChart types, nor types of the non-exported {@code internal} packages. The one escape hatch,
 * {@code org.transfer4j.interop}, is allowed to. Reads the compiled descriptor, so a newly exported package is
 * checked without touching this test.
 */
class ExportedApiTest {
    private static final List<String> FOREIGN = List.of("org.nd4j.", "org.deeplearning4j.", "org.bytedeco.",
            "org.datavec.", "org.knowm.", "org.transfer4j.internal.");
    private static final Set<String> ESCAPE_HATCHES = Set.of("org.transfer4j.interop");

    @Test
    void exported_signatures_carry_no_engine_or_internal_types() throws Exception {
        ModuleDescriptor core = descriptor();
        assertThat(core.name()).isEqualTo("org.transfer4j.core");
        Set<String> violations = new TreeSet<>();
        int types = 0;
        for (ModuleDescriptor.Exports e : core.exports()) {
            if (ESCAPE_HATCHES.contains(e.source())) {
                continue;
            }
            for (Class<?> c : publicTypes(e.source())) {
                types++;
                check(c, violations);
            }
        }
        assertThat(types).as("public types found in the exported packages").isGreaterThan(20);
        assertThat(violations).as("exported signatures that leak engine or internal types").isEmpty();
    }

    @Test
    void internal_packages_are_not_exported() throws Exception {
        assertThat(descriptor().exports()).extracting(ModuleDescriptor.Exports::source)
                .noneMatch(p -> p.contains(".internal"));
    }

    private static ModuleDescriptor descriptor() throws IOException, URISyntaxException {
        Path file = classes().resolve("module-info.class");
        assertThat(file).as("transfer-core's compiled module descriptor").isRegularFile();
        try (InputStream in = Files.newInputStream(file)) {
            return ModuleDescriptor.read(in);
        }
    }

    /** Where transfer-core's class files are (its {@code target/classes}). */
    private static Path classes() throws URISyntaxException {
        URL root = TransferPipeline.class.getProtectionDomain().getCodeSource().getLocation();
        return Path.of(root.toURI());
    }

    /** Public top-level and nested types of a package, from the class files beside {@link TransferPipeline}'s. */
    private static List<Class<?>> publicTypes(String pkg) throws IOException, URISyntaxException,
            ClassNotFoundException {
        Path dir = classes().resolve(pkg.replace('.', '/'));
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                String simple = f.getFileName().toString().replace(".class", "");
                if (simple.equals("package-info")) {
                    continue;
                }
                Class<?> c = Class.forName(pkg + "." + simple, false, TransferPipeline.class.getClassLoader());
                if (isVisible(c)) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    private static boolean isVisible(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) {
                return false;
            }
        }
        return true;
    }

    private static void check(Class<?> c, Set<String> violations) {
        String where = c.getName();
        if (c.getGenericSuperclass() != null) {
            checkType(c.getGenericSuperclass(), where + " extends", violations);
        }
        for (Type t : c.getGenericInterfaces()) {
            checkType(t, where + " implements", violations);
        }
        for (Field f : c.getDeclaredFields()) {
            if (visible(f)) {
                checkType(f.getGenericType(), where + "." + f.getName(), violations);
            }
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (visible(k)) {
                for (Type t : k.getGenericParameterTypes()) {
                    checkType(t, where + ".<init>", violations);
                }
            }
        }
        for (Method m : c.getDeclaredMethods()) {
            if (visible(m) && !m.isSynthetic() && !m.isBridge()) {
                checkType(m.getGenericReturnType(), where + "." + m.getName() + " returns", violations);
                for (Type t : m.getGenericParameterTypes()) {
                    checkType(t, where + "." + m.getName() + " takes", violations);
                }
                for (Type t : m.getGenericExceptionTypes()) {
                    checkType(t, where + "." + m.getName() + " throws", violations);
                }
            }
        }
    }

    private static boolean visible(Member m) {
        return Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers());
    }

    private static void checkType(Type t, String where, Set<String> violations) {
        if (t instanceof Class<?> c) {
            Class<?> e = c;
            while (e.isArray()) {
                e = e.getComponentType();
            }
            String name = e.getName();
            if (FOREIGN.stream().anyMatch(name::startsWith)) {
                violations.add(where + " " + name);
            }
        } else if (t instanceof ParameterizedType p) {
            checkType(p.getRawType(), where, violations);
            for (Type a : p.getActualTypeArguments()) {
                checkType(a, where, violations);
            }
        } else if (t instanceof GenericArrayType g) {
            checkType(g.getGenericComponentType(), where, violations);
        } else if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                checkType(b, where, violations);
            }
            for (Type b : w.getLowerBounds()) {
                checkType(b, where, violations);
            }
        } else if (t instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) {
                if (b != Object.class) {
                    checkType(b, where, violations);
                }
            }
        }
    }
}
