// The fixtures' ground truth, read from the files the fixture build recorded: what the kernel
// itself logged, drgn 0.0.31's task list with stacks (it opens every fixture), and crash's or
// drgn's rd output. Never our own earlier output.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** x86_64 kernel addresses start here; below is user space. */
const KERNEL_SPACE = 0xffff800000000000n;

const ROOT = process.env.KDUMP_BRIDGE_FIXTURES ?? join(process.env.HOME, '.cache/kdump-bridge/fixtures');
export const FIXTURES = join(ROOT, 'x86_64');
/** The arm64 fixtures (build-arm64.sh): drgn is their oracle. */
export const ARM64 = join(ROOT, 'arm64');

/** An arm64 dump's files and drgn's tasks in it (pcs as in drgnTasks). */
export function arm64Dump(id) {
  const line = readFileSync(join(ARM64, 'manifest.tsv'), 'utf8').trim().split('\n').find(l => l.startsWith(id + '\t'));
  const files = line.split('\t')[1].split(',').map(f => join(ARM64, f));
  return { id, files, tasks: parseTasks(readFileSync(join(ARM64, 'oracle/drgn', id, 'tasks.txt'), 'utf8')) };
}

/** Each dump: id, files (absolute), and whether it is a QEMU snapshot rather than a kdump. */
export function dumps() {
  const lines = readFileSync(join(FIXTURES, 'manifest.tsv'), 'utf8').trim().split('\n').slice(1);
  return lines.map(line => {
    const [id, files] = line.split('\t');
    return { id, files: files.split(',').map(f => join(FIXTURES, f)), snapshot: id.startsWith('qemu-') };
  });
}

/**
 * The oracle directories to read for a dump, its own first: drgn cannot open QEMU's flattened
 * dump nor a split one, and the snappy fixture is our own conversion, recorded without rd. Dumps
 * written from one capture (the files of one fixture directory, kdump/ or qemu/) hold the same
 * memory, so their tasks, stacks and bytes are the same; only the pages a dump level left out
 * differ, and the rd plan reads none of those.
 */
function sameCapture(id) {
  const all = dumps();
  const dir = all.find(d => d.id === id).files[0].split('/').slice(0, -1).join('/');
  return [id, ...all.filter(d => d.id !== id && d.files[0].startsWith(dir + '/')).map(d => d.id)];
}

/**
 * drgn's tasks: pid, comm, state, cpu, onCpu, crashed, and the pcs of its kernel frames (inline
 * ones and the user-mode pc it appends left out: we show those as registers, not frames).
 */
export function drgnTasks(id) {
  for (const capture of sameCapture(id)) {
    const file = join(FIXTURES, 'oracle/drgn', capture, 'tasks.txt');
    if (existsSync(file)) {
      const tasks = parseTasks(readFileSync(file, 'utf8'));
      if (tasks.length > 0) {
        return tasks;
      }
    }
  }
  throw new Error(`drgn recorded no tasks for ${id} or a dump of the same capture`);
}

function parseTasks(text) {
  const tasks = [];
  for (const line of text.split('\n')) {
    const task = /^task (0x[0-9a-f]+) pid (\d+) tgid \d+ ppid \d+ cpu (-?\d+) on_cpu (\d) state (\S) comm (.*?)( crashed)?$/.exec(line);
    if (task) {
      tasks.push({ address: task[1], pid: Number(task[2]), cpu: Number(task[3]), onCpu: task[4] === '1',
        state: task[5], comm: task[6], crashed: task[7] !== undefined, pcs: [] });
      continue;
    }
    const frame = /^\s+#\d+ \S+ (0x[0-9a-f]+)( inline)?$/.exec(line);
    if (frame && !frame[2] && tasks.length > 0 && BigInt(frame[1]) >= KERNEL_SPACE) {
      tasks[tasks.length - 1].pcs.push(BigInt(frame[1]));
    }
  }
  return tasks;
}

/** The task the kernel said panicked: the last "CPU: N PID: P Comm: C" its log printed. */
export function panickedTask(id) {
  const log = join(FIXTURES, 'oracle/crash', id, 'log.txt');
  if (!existsSync(log)) {
    return undefined;
  }
  const matches = [...readFileSync(log, 'utf8').matchAll(/CPU: (\d+) PID: (\d+) Comm: (\S+)/g)];
  return matches.length === 0 ? undefined : { cpu: Number(matches.at(-1)[1]), pid: Number(matches.at(-1)[2]), comm: matches.at(-1)[3] };
}

/** The first few 16-byte lines of crash's (or drgn's, in crash's layout) rd output: address and bytes. */
export function rdLines(id, count = 8) {
  for (const [capture, tool] of sameCapture(id).flatMap(c => [[c, 'crash'], [c, 'drgn']])) {
    const file = join(FIXTURES, 'oracle', tool, capture, 'rd.txt');
    if (!existsSync(file)) {
      continue;
    }
    const lines = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([0-9a-f]{16}):\s+([0-9a-f]{16}) ([0-9a-f]{16})\s/.exec(line);
      if (m && lines.length < count) {
        const bytes = Buffer.alloc(16);
        bytes.writeBigUInt64LE(BigInt('0x' + m[2]), 0);
        bytes.writeBigUInt64LE(BigInt('0x' + m[3]), 8);
        lines.push({ address: '0x' + m[1], bytes });
      }
    }
    return lines;
  }
  return [];
}

/** The kernel's tick rate, from the configuration it was built with. */
export function kernelHz() {
  return Number(/^CONFIG_HZ=(\d+)$/m.exec(readFileSync(join(FIXTURES, 'kernel/config'), 'utf8'))[1]);
}

/** crash's UPTIME in seconds, which it computes from jiffies; undefined where crash recorded no sys. */
export function crashUptimeSeconds(id) {
  for (const capture of sameCapture(id)) {
    const file = join(FIXTURES, 'oracle/crash', capture, 'sys.txt');
    if (existsSync(file)) {
      const m = /UPTIME:\s*(?:(\d+) days?, )?(\d+):(\d+):(\d+)/.exec(readFileSync(file, 'utf8'));
      if (m) {
        return Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
      }
    }
  }
  return undefined;
}
