import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { groupTasks, parseTask, taskLabel } from '../src/tasks';

test('thread names parse into tasks, commands with spaces and brackets included', () => {
  assert.deepEqual(parseTask(3, '121 dd [R] (CPU 2)'), { threadId: 3, pid: 121, comm: 'dd', state: 'R', cpu: 2 });
  assert.deepEqual(parseTask(9, '17 kworker/0:1 [I]'), { threadId: 9, pid: 17, comm: 'kworker/0:1', state: 'I', cpu: undefined });
  assert.equal(parseTask(1, 'CPU 0')?.pid, undefined);
  assert.equal(parseTask(4, '88 a b [c] [S]')?.comm, 'a b [c]');
});

test('tasks on a CPU come first, then D before the sleeping crowd, each by pid', () => {
  const tasks = [
    parseTask(1, '294 sh [R] (CPU 0)')!,
    parseTask(2, '120 wl-spin [R] (CPU 1)')!,
    parseTask(5, '30 sleeper [S]')!,
    parseTask(6, '12 stuck [D]')!,
    parseTask(7, '3 other [S]')!,
  ];
  const groups = groupTasks(tasks);
  assert.deepEqual(groups.map(g => g.label), ['On a CPU', 'Uninterruptible (D)', 'Sleeping (S)']);
  assert.deepEqual(groups[2].tasks.map(t => t.pid), [3, 30]);
  assert.deepEqual(groups[0].tasks.map(t => t.cpu), [0, 1]);
});

test('the filter matches pid or command, ignoring case', () => {
  const tasks = [parseTask(1, '294 sh [R] (CPU 0)')!, parseTask(2, '1 init [S]')!, parseTask(3, '17 kworker/0:1 [I]')!];
  assert.deepEqual(groupTasks(tasks, 'KWORK').flatMap(g => g.tasks).map(t => t.pid), [17]);
  assert.deepEqual(groupTasks(tasks, '29').flatMap(g => g.tasks).map(t => t.pid), [294]);
  assert.equal(taskLabel(tasks[0]), '294 sh (CPU 0)');
});
