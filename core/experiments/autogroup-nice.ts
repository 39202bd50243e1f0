import { writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';

/**
 * Gives a child started in its own session (`detached`) this process's nice value for its whole
 * scheduling group. Under Linux's autogroup scheduling (`/proc/sys/kernel/sched_autogroup_enabled`,
 * on by default on many distributions) every session is scheduled as one group at the group's own
 * nice, 0 unless set, whatever the nice of its processes: without this, the trials of
 * `nice -n 19 trickster ablate` compete with foreground work at full weight. Best effort: nothing
 * happens at nice 0 or below, or where /proc/PID/autogroup is missing or not writable.
 */
export function inheritAutogroupNice(pid: number, nice = getPriority()): void {
  if (nice <= 0) return;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    // Not Linux, a kernel without autogroup, or not permitted: the child keeps the default group weight.
  }
}
