/**
 * Text reports on the kernel model for people, in the shapes crash users know: the task table of
 * crash's {@code ps}, and later {@code sys} and {@code bt}. Both the command line and the
 * debuggers' {@code monitor} commands print them, so the two never drift apart.
 *
 * <p>Reads only the kernel model ({@code kernel}); knows no protocol and no command line.
 */
package dev.kdumpbridge.report;
