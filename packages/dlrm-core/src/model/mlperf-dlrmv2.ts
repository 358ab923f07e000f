/**
 * MLPerf DLRMv2's (DLRM-DCNv2, torchrec_dlrm) fixed shapes on the Criteo 1TB data: the 26
 * table sizes with --max-ind-range 40000000 and the multi-hot size of each table. Shared by
 * the CLI's `--preset mlperf-dlrmv2` and the benchmark's scaled-down DLRMv2 shape.
 */

/** The 26 Criteo 1TB tables with --max-ind-range 40000000. */
export const CRITEO_1TB_TABLES: readonly number[] = [
  40000000, 39060, 17295, 7424, 20265, 3, 7122, 1543, 63, 40000000, 3067956, 405282, 10, 2209, 11938, 155, 4, 976, 14,
  40000000, 40000000, 40000000, 590152, 12973, 108, 36,
];

/** MLPerf DLRMv2's multi-hot sizes, one per table. */
export const MLPERF_MULTI_HOT: readonly number[] = [
  3, 2, 1, 2, 6, 1, 1, 1, 1, 7, 3, 8, 1, 6, 9, 5, 1, 1, 1, 12, 100, 27, 10, 3, 1, 1,
];
