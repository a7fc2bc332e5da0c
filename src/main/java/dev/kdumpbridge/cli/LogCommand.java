package dev.kdumpbridge.cli;

import dev.kdumpbridge.dump.VmcoreInfo;
import dev.kdumpbridge.kernel.KernelDataException;
import dev.kdumpbridge.kernel.printk.CrashLogFormat;
import dev.kdumpbridge.kernel.printk.PrintkLog;
import dev.kdumpbridge.kernel.printk.PrintkRecord;
import dev.kdumpbridge.memory.AddressFault;
import dev.kdumpbridge.memory.TranslationUnavailableException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "log",
    description = {
        "Print the kernel log (what dmesg showed) as it was at the crash, line for line as crash's"
            + " log command prints it.",
        "Reads the printk ring buffer (Linux 5.10 and later) or the older log_buf, finding both"
            + " through VMCOREINFO; no vmlinux is needed. Records that could not be read or"
            + " trusted are left out and named on stderr; when memory the log needs is missing"
            + " from the dump, what could be read is printed and the exit code is 1."})
final class LogCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DumpFiles dump;

    @Option(names = {"-t", "--no-timestamps"}, description = "Leave out the [seconds.micros] time before each record (crash's log -t).")
    boolean noTimestamps;

    @Option(names = {"-m", "--levels"}, description = "Show each record's syslog level as <N> after the time, 0 (emerg) to 7 (debug) (crash's log -m).")
    boolean levels;

    @Option(names = {"-d", "--device-info"}, description = "Add the SUBSYSTEM= and DEVICE= lines of messages from device drivers (crash's log -d).")
    boolean deviceInfo;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (DumpSession session = DumpSession.open(dump.files, null)) {
            session.warnings().forEach(w -> err.println("kdump-bridge log: warning: " + w));
            Optional<VmcoreInfo> vmcoreInfo = session.dump().vmcoreInfo();
            if (vmcoreInfo.isEmpty()) {
                err.println("kdump-bridge log: the dump has no VMCOREINFO, which says where the kernel log is"
                    + " (a QEMU dump made without -device vmcoreinfo?)");
                return Main.EXIT_INPUT_ERROR;
            }
            PrintkLog log = PrintkLog.read(session.paging().memory(), vmcoreInfo.get());
            CrashLogFormat format = new CrashLogFormat(!noTimestamps, levels, deviceInfo);
            for (PrintkRecord record : log.records()) {
                format.lines(record).forEach(out::println);
            }
            out.flush();
            log.skipped().forEach(note -> err.println("kdump-bridge log: skipped " + note));
            if (log.firstFault().isPresent()) {
                err.println("kdump-bridge log: the dump lacks part of the log buffer, first at "
                    + log.firstFault().get().getMessage());
                return Main.EXIT_INPUT_ERROR;
            }
            return Main.EXIT_OK;
        } catch (AddressFault e) {
            err.println("kdump-bridge log: cannot read the log buffer's header: " + e.getMessage());
            return Main.EXIT_INPUT_ERROR;
        } catch (IOException | KernelDataException | TranslationUnavailableException e) {
            err.println("kdump-bridge log: " + e.getMessage());
            return Main.EXIT_INPUT_ERROR;
        } finally {
            out.flush();
            err.flush();
        }
    }
}
