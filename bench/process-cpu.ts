// CPU time of a process, for benches that print CPU per unit of work beside a throughput: on a shared
// machine the throughput swings with the load while the CPU a unit of work costs stays much steadier.
import { readFileSync } from 'node:fs';

/** CPU milliseconds (user + system) a process has used, from /proc; null where there is no /proc. */
export function processCpuMs(pid: number): number | null {
  try {
    // Fields after the command name: state is the 1st, utime the 12th, stime the 13th (clock ticks of
    // 10 ms: USER_HZ is 100 on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}
