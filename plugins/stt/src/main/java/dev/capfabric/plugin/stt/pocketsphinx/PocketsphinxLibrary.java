package dev.capfabric.plugin.stt.pocketsphinx;

import dev.capfabric.plugin.stt.UnusableException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The loaded pocketsphinx shared library and the functions this provider calls, bound through the
 * FFM API. It binds the "5prealpha" API that Debian 12 ships as {@code libpocketsphinx3}
 * (configuration through sphinxbase's {@code cmd_ln_parse_r}); the incompatible pocketsphinx 5
 * API ({@code ps_config_init}) is recognised and refused with a reason.
 *
 * <p>The library stays loaded until {@link #close}; the function handles are thread-safe, the
 * decoders they drive are not.
 */
// restricted FFM methods are this provider's purpose; the kernel grants native access to the plugin's layer
@SuppressWarnings("restricted")
final class PocketsphinxLibrary implements AutoCloseable {

    /** Names tried with the system's library search when no path is configured. */
    private static final List<String> DEFAULT_NAMES = List.of(
            "libpocketsphinx.so.3", "libpocketsphinx.so", "libpocketsphinx.3.dylib", "libpocketsphinx.dylib");

    private final Arena arena;
    private final String location;
    final MethodHandle psArgs;
    final MethodHandle cmdLnParse;
    final MethodHandle cmdLnFree;
    final MethodHandle psInit;
    final MethodHandle psFree;
    final MethodHandle psStartUtt;
    final MethodHandle psProcessRaw;
    final MethodHandle psEndUtt;
    final MethodHandle psGetHyp;

    private PocketsphinxLibrary(Arena arena, SymbolLookup symbols, String location) throws UnusableException {
        this.arena = arena;
        this.location = location;
        if (symbols.find("cmd_ln_parse_r").isEmpty() && symbols.find("ps_config_init").isPresent()) {
            throw new UnusableException("the pocketsphinx library at " + location
                    + " has the pocketsphinx 5 API (ps_config_init); this provider binds the 5prealpha API of libpocketsphinx3");
        }
        Linker linker = Linker.nativeLinker();
        psArgs = bind(linker, symbols, "ps_args", FunctionDescriptor.of(ADDRESS));
        cmdLnParse = bind(linker, symbols, "cmd_ln_parse_r",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
        cmdLnFree = bind(linker, symbols, "cmd_ln_free_r", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        psInit = bind(linker, symbols, "ps_init", FunctionDescriptor.of(ADDRESS, ADDRESS));
        psFree = bind(linker, symbols, "ps_free", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        psStartUtt = bind(linker, symbols, "ps_start_utt", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        psProcessRaw = bind(linker, symbols, "ps_process_raw",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT));
        psEndUtt = bind(linker, symbols, "ps_end_utt", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        psGetHyp = bind(linker, symbols, "ps_get_hyp", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        MethodHandle setLogFile = bind(linker, symbols, "err_set_logfp", FunctionDescriptor.ofVoid(ADDRESS));
        try {
            // Logging is process-global in sphinxbase. Switching it off once, here, means no decoder
            // ever reopens the log file while another one is writing to it.
            setLogFile.invokeExact(MemorySegment.NULL);
        } catch (Throwable e) {
            throw new UnusableException("could not silence pocketsphinx logging: " + e, e);
        }
    }

    /**
     * Loads the library from {@code configured}, or by the system's library search when empty.
     *
     * @throws UnusableException when the library is missing, cannot be loaded or lacks a function
     */
    static PocketsphinxLibrary load(Optional<Path> configured) throws UnusableException {
        if (configured.isPresent()) {
            Path path = configured.get();
            if (!Files.isRegularFile(path)) {
                throw new UnusableException("pocketsphinx library not found at " + path);
            }
            Arena arena = Arena.ofShared();
            try {
                return new PocketsphinxLibrary(arena, SymbolLookup.libraryLookup(path, arena), path.toString());
            } catch (IllegalArgumentException | IllegalCallerException | UnusableException e) {
                arena.close();
                throw unusable("could not load the pocketsphinx library at " + path, e);
            }
        }
        for (String name : DEFAULT_NAMES) {
            Arena arena = Arena.ofShared();
            SymbolLookup symbols;
            try {
                symbols = SymbolLookup.libraryLookup(name, arena);
            } catch (IllegalArgumentException notFound) {
                arena.close();
                continue;
            }
            try {
                return new PocketsphinxLibrary(arena, symbols, name);
            } catch (IllegalCallerException | UnusableException e) {
                arena.close();
                throw unusable("could not use the pocketsphinx library " + name, e);
            }
        }
        throw new UnusableException("pocketsphinx library not found (looked for " + DEFAULT_NAMES
                + "; install the Debian package libpocketsphinx3 or set 'library')");
    }

    private static UnusableException unusable(String what, Exception cause) {
        return cause instanceof UnusableException unusable ? unusable
                : new UnusableException(what + ": " + cause.getMessage(), cause);
    }

    private static MethodHandle bind(Linker linker, SymbolLookup symbols, String name, FunctionDescriptor descriptor)
            throws UnusableException {
        MemorySegment address = symbols.find(name)
                .orElseThrow(() -> new UnusableException("pocketsphinx library lacks the function " + name));
        return linker.downcallHandle(address, descriptor);
    }

    /** Where the library was loaded from: a path, or the name the system resolved. */
    String location() {
        return location;
    }

    /** Unloads the library. Every decoder made from it must be closed first. */
    @Override
    public void close() {
        arena.close();
    }
}
