package dev.kdumpbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Telling a vmlinux of another build from the dumped kernel's. */
class DumpSessionTest {
    private static final Optional<String> ID = Optional.of("3b43fad5034874490492495d552c0af6a5fab235");
    private static final Optional<String> OTHER_ID = Optional.of("0000fad5034874490492495d552c0af6a5fab235");
    private static final Optional<String> RELEASE = Optional.of("6.1.0-56-cloud-amd64");
    private static final Optional<String> BANNER = Optional.of("Linux version 6.1.0-56-cloud-amd64 (debian-kernel@"
        + "lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2\n");

    @Test
    void theSameBuildMatches() {
        assertEquals(Optional.empty(), DumpSession.mismatch(ID, ID, RELEASE, BANNER));
        assertEquals(Optional.empty(), DumpSession.mismatch(ID, ID, RELEASE, Optional.empty()));
    }

    @Test
    void anotherBuildIdIsRefusedEvenWithTheSameRelease() {
        assertEquals(Optional.of("its build-id is " + OTHER_ID.get() + ", the dump's kernel has " + ID.get()),
            DumpSession.mismatch(ID, OTHER_ID, RELEASE, BANNER));
    }

    @Test
    void withoutBuildIdsTheBannerMustNameTheRelease() {
        assertEquals(Optional.empty(), DumpSession.mismatch(Optional.empty(), ID, RELEASE, BANNER));
        assertEquals(Optional.of("its banner is \"" + BANNER.get().strip() + "\", the dump's kernel is release"
            + " 6.1.0-55-cloud-amd64"),
            DumpSession.mismatch(ID, Optional.empty(), Optional.of("6.1.0-55-cloud-amd64"), BANNER));
        assertEquals(Optional.empty(), DumpSession.mismatch(Optional.empty(), Optional.empty(), Optional.empty(), BANNER));
    }
}
