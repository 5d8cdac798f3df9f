/**
 * Loaded into a child process with `node --import` by bench/city.ts, so that the child itself reports what it used:
 * at exit it writes process.resourceUsage() (maxRSS in KiB, CPU times in microseconds) as JSON to the file named by
 * CREDENCE_BENCH_USAGE_FILE. Node gives a parent no child's resource usage, and the run should not depend on
 * GNU time being installed; the child's own figure is also the exact one (no wrapper process counted in).
 */
import { writeFileSync } from 'node:fs';

const file = process.env.CREDENCE_BENCH_USAGE_FILE;
if (file !== undefined && file !== '') {
  process.on('exit', () => writeFileSync(file, JSON.stringify(process.resourceUsage())));
}
