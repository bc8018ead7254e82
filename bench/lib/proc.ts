import { readdirSync, readFileSync } from 'node:fs';

/** What /proc says about a process tree, for the benches that measure Guardian from outside (Linux only). */

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node runs on

/** Fields of /proc/<pid>/stat after the command name: [0] is field 3 (state), so field n is [n - 3]. */
function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Every living descendant of `pid`: the children each of its threads started, recursively. */
function descendants(pid: number): number[] {
  const found: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const task of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    for (const child of children.split(/\s+/).filter(Boolean).map(Number)) found.push(child, ...descendants(child));
  }
  return found;
}

/**
 * CPU time of the tree in milliseconds: for the process and each living descendant, utime +
 * stime (fields 14 and 15: every thread of the process, the libuv pool and V8's helpers
 * included) + cutime + cstime (fields 16 and 17: the children it has already waited for), so a
 * child that ended is counted once, in its parent.
 */
export function treeCpuMs(pid: number): { cpuMs: number; processes: number } {
  let ticks = 0;
  let processes = 0;
  for (const each of [pid, ...descendants(pid)]) {
    const fields = statFields(each);
    if (!fields) continue;
    processes++;
    for (const field of [14, 15, 16, 17]) ticks += Number(fields[field - 3] ?? 0);
  }
  return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND, processes };
}

/** VmRSS, VmHWM (the peak since the process started) in MB, and the thread count, from /proc/<pid>/status. */
export function memory(pid: number): { rssMb: number; hwmMb: number; threads: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: field('VmRSS') / 1024, hwmMb: field('VmHWM') / 1024, threads: field('Threads') };
}
