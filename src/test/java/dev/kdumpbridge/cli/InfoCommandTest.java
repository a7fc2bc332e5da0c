package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** info's renderings that the fixtures do not reach. */
class InfoCommandTest {

    @Test
    void uptimeIsLaidOutAsCrashLaysItOut() {
        assertEquals("00:00:09", InfoCommand.uptime(9_668_879_000L));
        assertEquals("23:59:59", InfoCommand.uptime(86_399_999_999_999L));
        assertEquals("2 days, 01:02:03", InfoCommand.uptime((2 * 86_400 + 3723) * 1_000_000_000L));
    }
}
