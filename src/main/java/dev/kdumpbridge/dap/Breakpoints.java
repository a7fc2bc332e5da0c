package dev.kdumpbridge.dap;

import org.eclipse.lsp4j.debug.Breakpoint;
import org.eclipse.lsp4j.debug.BreakpointNotVerifiedReason;

/** Breakpoints on a target that never runs: each one accepted, none ever verified. */
final class Breakpoints {
    private Breakpoints() {
    }

    static Breakpoint[] unverifiable(int count) {
        Breakpoint[] answer = new Breakpoint[Math.max(0, count)];
        for (int i = 0; i < answer.length; i++) {
            answer[i] = new Breakpoint();
            answer[i].setVerified(false);
            answer[i].setReason(BreakpointNotVerifiedReason.FAILED);
            answer[i].setMessage("a crash dump never runs, so no breakpoint can be hit");
        }
        return answer;
    }
}
