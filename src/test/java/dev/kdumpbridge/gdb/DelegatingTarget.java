package dev.kdumpbridge.gdb;

import dev.kdumpbridge.target.Architecture;
import dev.kdumpbridge.target.DebugTarget;
import dev.kdumpbridge.target.MemoryRead;
import dev.kdumpbridge.target.MonitorCommands;
import dev.kdumpbridge.target.RegisterSet;
import dev.kdumpbridge.target.SectionOffsets;
import dev.kdumpbridge.target.StopReason;
import dev.kdumpbridge.target.TargetThread;
import java.util.List;
import java.util.Optional;

/** A target that passes everything on, for tests that change one behaviour. */
class DelegatingTarget implements DebugTarget {

    private final DebugTarget delegate;

    DelegatingTarget(DebugTarget delegate) {
        this.delegate = delegate;
    }

    @Override
    public Architecture architecture() {
        return delegate.architecture();
    }

    @Override
    public List<TargetThread> threads() {
        return delegate.threads();
    }

    @Override
    public long stopThread() {
        return delegate.stopThread();
    }

    @Override
    public StopReason stopReason() {
        return delegate.stopReason();
    }

    @Override
    public Optional<RegisterSet> registers(long threadId) {
        return delegate.registers(threadId);
    }

    @Override
    public MemoryRead readMemory(long address, byte[] dst, int offset, int length) {
        return delegate.readMemory(address, dst, offset, length);
    }

    @Override
    public Optional<SectionOffsets> sectionOffsets() {
        return delegate.sectionOffsets();
    }

    @Override
    public Optional<MonitorCommands> monitorCommands() {
        return delegate.monitorCommands();
    }
}
