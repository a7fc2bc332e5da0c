// The Kernel Tasks view's model, without the vscode API: kernel tasks parsed from the thread
// names the adapter gives ("121 dd [R] (CPU 2)"), grouped the way people scan a kernel.

export interface KernelTask {
  threadId: number;
  pid: number;
  comm: string;
  state: string;
  cpu?: number;
}

const THREAD_NAME = /^(\d+) (.*) \[([A-Za-z])\](?: \(CPU (\d+)\))?$/;

/** A thread as a task; undefined for a name that is not the adapter's (a CPU thread, say). */
export function parseTask(threadId: number, name: string): KernelTask | undefined {
  const match = THREAD_NAME.exec(name);
  if (!match) {
    return undefined;
  }
  return {
    threadId,
    pid: Number(match[1]),
    comm: match[2],
    state: match[3],
    cpu: match[4] === undefined ? undefined : Number(match[4]),
  };
}

/** What each state letter means, as ps and crash print them. */
export const STATE_NAMES: Record<string, string> = {
  R: 'Running',
  S: 'Sleeping',
  D: 'Uninterruptible',
  I: 'Idle kernel threads',
  T: 'Stopped',
  t: 'Traced',
  Z: 'Zombies',
  X: 'Dead',
  P: 'Parked',
};

export interface TaskGroup {
  label: string;
  tasks: KernelTask[];
}

/**
 * Groups in the order people look: the tasks on a CPU first (by CPU), then by state, the
 * uninterruptible ones before the sleeping crowd; each group sorted by pid. A filter keeps the
 * tasks whose pid or command contains it (case-insensitive).
 */
export function groupTasks(tasks: KernelTask[], filter = ''): TaskGroup[] {
  const wanted = filter.trim().toLowerCase();
  const kept = tasks.filter(t => wanted === '' || String(t.pid).includes(wanted) || t.comm.toLowerCase().includes(wanted));
  const groups: TaskGroup[] = [];
  const onCpu = kept.filter(t => t.cpu !== undefined).sort((a, b) => (a.cpu ?? 0) - (b.cpu ?? 0));
  if (onCpu.length > 0) {
    groups.push({ label: 'On a CPU', tasks: onCpu });
  }
  const order = ['D', 'R', 'S', 'I', 'T', 't', 'Z', 'X', 'P'];
  const rest = kept.filter(t => t.cpu === undefined);
  const states = [...new Set(rest.map(t => t.state))].sort((a, b) => rank(order, a) - rank(order, b));
  for (const state of states) {
    groups.push({
      label: `${STATE_NAMES[state] ?? state} (${state})`,
      tasks: rest.filter(t => t.state === state).sort((a, b) => a.pid - b.pid),
    });
  }
  return groups;
}

function rank(order: string[], state: string): number {
  const at = order.indexOf(state);
  return at < 0 ? order.length : at;
}

/** A task's line in the view: `pid comm`, with the CPU where it runs. */
export function taskLabel(task: KernelTask): string {
  return `${task.pid} ${task.comm}` + (task.cpu === undefined ? '' : ` (CPU ${task.cpu})`);
}
