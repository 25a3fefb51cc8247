/**
 * Runs one ferry command as its own process, like bin/ferry.js, and reports its peak resident
 * memory on stderr as a last line `FERRY_BENCH {"maxRssKiB":N}`.
 */
import { main, processIO } from '../cli/main.js';

const code = await main(process.argv.slice(2), { ...processIO(), out: () => undefined });
process.stderr.write(`FERRY_BENCH ${JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS })}\n`);
process.exit(code); // as bin/ferry.js does
