package dev.percpu.examples.pipeline;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Interns the string literals of whole code sources ahead of an allocation measurement, so that
 * the JIT's first compilation of a class's method allocates nothing on the measured thread.
 *
 * <p>Why: HotSpot resolves every string constant of a class (interns its literals, allocating a
 * {@code String} and its {@code byte[]} for each one not yet in the string table) on the Java
 * thread that requests the first C2 compilation of one of the class's methods
 * ({@code CompileBroker::compile_method} calls {@code ConstantPool::resolve_string_constants}
 * before queueing the task). When that request comes from a measured thread inside its measured
 * window, the thread is charged for the JVM's strings although the code it runs allocates nothing.
 * A literal already in the string table is found there and costs nothing, so interning the
 * literals' contents beforehand (and keeping them reachable, as the string table holds its
 * entries weakly) takes the JVM's allocation out of any later window.
 */
final class StringLiterals {
    private static final int CONSTANT_UTF8 = 1;
    private static final int CONSTANT_STRING = 8;
    /** The interned literals, held: the string table keeps its entries only while something else does. */
    private static final Set<String> HELD = ConcurrentHashMap.newKeySet();

    private StringLiterals() {
    }

    /**
     * Interns the string literals of every class file in each anchor's code source (its jar or
     * class directory); for an anchor of the runtime image (a JDK class), of every class in its package.
     *
     * @return the number of literals interned
     */
    static int internAll(Class<?>... anchors) {
        int interned = 0;
        for (Class<?> anchor : anchors) {
            try {
                interned += internFrom(anchor);
            } catch (IOException e) {
                throw new UncheckedIOException("reading the class files beside " + anchor.getName(), e);
            }
        }
        return interned;
    }

    private static int internFrom(Class<?> anchor) throws IOException {
        CodeSource source = anchor.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            FileSystem image = FileSystems.getFileSystem(URI.create("jrt:/"));
            Path pkg = image.getPath("modules", anchor.getModule().getName(),
                anchor.getPackageName().replace('.', '/'));
            return internClassFiles(pkg, false);
        }
        Path location;
        try {
            location = Path.of(source.getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException("code source " + source.getLocation(), e);
        }
        if (Files.isDirectory(location)) {
            return internClassFiles(location, true);
        }
        try (FileSystem jar = FileSystems.newFileSystem(location)) {
            return internClassFiles(jar.getPath("/"), true);
        }
    }

    private static int internClassFiles(Path root, boolean recursive) throws IOException {
        List<Path> classFiles;
        try (Stream<Path> paths = recursive ? Files.walk(root) : Files.list(root)) {
            classFiles = paths.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList());
        }
        int interned = 0;
        for (Path classFile : classFiles) {
            interned += internConstantStrings(Files.readAllBytes(classFile));
        }
        return interned;
    }

    /** Interns the contents of the class file's CONSTANT_String entries (JVMS 4.4); returns how many. */
    static int internConstantStrings(byte[] classFile) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(classFile);
        in.position(8);
        int count = in.getShort() & 0xffff;
        String[] utf8 = new String[count];
        int[] strings = new int[count];
        int found = 0;
        for (int i = 1; i < count; i++) {
            int tag = in.get();
            switch (tag) {
                case CONSTANT_UTF8:
                    int length = in.getShort(in.position()) & 0xffff;
                    utf8[i] = new DataInputStream(new ByteArrayInputStream(classFile, in.position(), length + 2))
                        .readUTF();
                    in.position(in.position() + 2 + length);
                    break;
                case CONSTANT_STRING:
                    strings[found++] = in.getShort() & 0xffff;
                    break;
                case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18:
                    in.position(in.position() + 4);
                    break;
                case 5: case 6:
                    in.position(in.position() + 8);
                    i++;
                    break;
                case 7: case 16: case 19: case 20:
                    in.position(in.position() + 2);
                    break;
                case 15:
                    in.position(in.position() + 3);
                    break;
                default:
                    throw new IOException("unknown constant pool tag " + tag + " at entry " + i);
            }
        }
        for (int k = 0; k < found; k++) {
            HELD.add(utf8[strings[k]].intern());
        }
        return found;
    }
}
