import { readFileSync } from 'node:fs';

/** CPU ms of the child processes this process waited for, from /proc (Linux); 0 elsewhere. */
export function childrenCpuMs(): number {
  try {
    // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17, in ticks (100 Hz on Linux).
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0;
  }
}
