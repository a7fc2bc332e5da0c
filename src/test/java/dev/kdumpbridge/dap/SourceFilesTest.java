package dev.kdumpbridge.dap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.lsp4j.debug.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceFilesTest {
    @TempDir
    Path tree;

    @Test
    void aBuildPathIsFoundByItsLongestTailUnderTheSourceTree() throws Exception {
        Path core = tree.resolve("kernel/sched/core.c");
        Files.createDirectories(core.getParent());
        Files.writeString(core, "");
        Path entry = tree.resolve("arch/x86/entry/entry_64.S");
        Files.createDirectories(entry.getParent());
        Files.writeString(entry, "");
        Optional<String> root = Optional.of(tree.toString());
        assertEquals(Optional.of(core), SourceFiles.find("debian/build/build_amd64_none_cloud-amd64/kernel/sched/core.c", root));
        assertEquals(Optional.of(entry), SourceFiles.find("/build/reproducible-path/linux-6.1.192/arch/x86/entry/entry_64.S", root));
        assertEquals(core.toString(), SourceFiles.source("debian/build/x/kernel/sched/core.c", root, f -> 1).getPath());
    }

    /** VS Code focuses only frames whose source it can show, so a missing file gets a text that says what to do. */
    @Test
    void aFileFoundNowhereIsAReferenceToATextThatSaysWhatToDo() {
        Source source = SourceFiles.source("debian/build/x/kernel/sched/core.c", Optional.empty(), f -> 7);
        assertEquals("core.c", source.getName());
        assertEquals(7, source.getSourceReference());
        assertEquals(null, source.getPresentationHint());
        assertTrue(SourceFiles.placeholder("debian/build/x/kernel/sched/core.c", Optional.empty()).contains("\"kernelSource\""));
    }
}
