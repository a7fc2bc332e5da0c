package dev.kdumpbridge.dump;

/**
 * What {@link KdumpWriter} wrote. Every page the source calls RAM is counted once: stored with
 * its own data, shared with the zero page, excluded, or failed.
 *
 * @param pagesStored   pages written with their own data, compressed or raw
 * @param zeroPages     all-zero pages that point at the shared zero page
 * @param pagesExcluded RAM pages the source leaves out (makedumpfile filtering), left out here too
 * @param pagesFailed   pages the source should hold but could not give (damaged or cut off);
 *                      written as "not saved" and the dump flagged incomplete, never as zeros
 * @param bytes         size of the file written
 */
public record ConvertSummary(long pagesStored, long zeroPages, long pagesExcluded, long pagesFailed, long bytes) {
}
