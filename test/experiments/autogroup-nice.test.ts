import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { inheritAutogroupNice } from '../../core/experiments/autogroup-nice.js';

/** A detached `sleep` (a session, so an autogroup, of its own), killed after the test. */
function detachedSleep(): number {
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  children.push(child.pid!);
  return child.pid!;
}
const children: number[] = [];
const groupNice = (pid: number) => /nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8'))![1];

describe('a detached trial gets the experiment\'s nice for its scheduling group', () => {
  afterEach(() => {
    for (const pid of children.splice(0)) process.kill(pid, 'SIGKILL');
  });

  it('writes the nice value to the child\'s autogroup (this machine kind schedules by autogroup)', () => {
    expect(existsSync('/proc/self/autogroup'), 'the kernel has no autogroup scheduling: /proc/self/autogroup is missing').toBe(true);
    const pid = detachedSleep();
    expect(groupNice(pid)).toBe('0');
    inheritAutogroupNice(pid, 7);
    expect(groupNice(pid)).toBe('7');
  });

  it('leaves the group alone at nice 0, and does not throw for a process that is gone', () => {
    const pid = detachedSleep();
    inheritAutogroupNice(pid, 0);
    expect(groupNice(pid)).toBe('0');
    expect(() => inheritAutogroupNice(2 ** 22 + 12345, 5)).not.toThrow();
  });
});
