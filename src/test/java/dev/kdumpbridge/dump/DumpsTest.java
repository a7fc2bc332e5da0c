package dev.kdumpbridge.dump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kdumpbridge.dump.SyntheticDumps.Elf;
import dev.kdumpbridge.dump.SyntheticDumps.Kdump;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Format recognition: by content only, with a message that says what was found. */
class DumpsTest {
    @TempDir
    Path dir;

    @Test
    void theNameDoesNotDecideTheFormat() throws Exception {
        Path misnamed = Files.write(dir.resolve("vmcore.elf"), Kdump.standard().build());
        try (DumpFile dump = Dumps.open(misnamed)) {
            assertEquals(DumpKind.KDUMP_COMPRESSED, dump.info().kind());
        }
        Path elf = Files.write(dir.resolve("vmcore.kdump"), Elf.standard().build());
        try (DumpFile dump = Dumps.open(elf)) {
            assertEquals(DumpKind.ELF_VMCORE, dump.info().kind());
        }
    }

    @Test
    void legacyDiskdumpIsRefusedByName() throws Exception {
        byte[] bytes = Kdump.standard().build();
        System.arraycopy("DISKDUMP".getBytes(), 0, bytes, 0, 8);
        Path file = Files.write(dir.resolve("old"), bytes);
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> Dumps.open(file));
        assertTrue(e.getMessage().contains("legacy diskdump format is not supported"), e.getMessage());
        assertEquals(0, e.offset());
    }

    @Test
    void somethingElseIsDescribed() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "hello, world\n");
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> Dumps.open(file));
        assertTrue(e.getMessage().startsWith(file + ": offset 0: not a kernel dump: it starts with 68 65 6c 6c"),
                e.getMessage());
    }

    @Test
    void anEmptyFileIsDescribed() throws Exception {
        Path file = Files.write(dir.resolve("empty"), new byte[0]);
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> Dumps.open(file));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void aDirectoryIsNotADump() {
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> Dumps.open(dir));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
    }

    @Test
    void elfCoresCannotBeCombined() throws Exception {
        Path a = Files.write(dir.resolve("a"), Elf.standard().build());
        Path b = Files.write(dir.resolve("b"), Kdump.standard().build());
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> Dumps.open(List.of(a, b)));
        assertTrue(e.getMessage().contains("is an ELF core"), e.getMessage());
    }

    @Test
    void kcorePermissionAdviceNamesRootAndTheCapability() {
        // Tests run as root here, so the denial itself cannot be provoked; check its wording.
        assertTrue(FileSource.permissionAdvice(Path.of("/proc/kcore")).contains("needs root (CAP_SYS_RAWIO)"));
        assertTrue(FileSource.permissionAdvice(Path.of("/proc/../proc/kcore")).contains("CAP_SYS_RAWIO"));
        assertTrue(FileSource.permissionAdvice(Path.of("vmcore")).contains("not readable"));
    }
}
