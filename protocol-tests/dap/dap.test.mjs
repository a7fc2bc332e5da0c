// kdump-bridge's DAP server through @vscode/debugadapter-testsupport's DebugClient (the client
// VS Code's own adapters are tested with), on every x86_64 fixture over TCP and on one over stdio,
// checked against what the kernel logged and what drgn and crash recorded.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import dap from '@vscode/debugadapter-testsupport';
import { ARM64, FIXTURES, arm64Dump, crashUptimeSeconds, dumps, drgnTasks, kernelHz, panickedTask, rdLines } from './oracles.mjs';

const { DebugClient } = dap;
const JAR = process.env.JAR;
const VMLINUX = join(FIXTURES, 'kernel/vmlinux');
const HERE = dirname(fileURLToPath(import.meta.url));

/** `serve DUMP --dap-port 0`; resolves to the process and its DAP port. */
function serve(files, vmlinux) {
  return new Promise((resolve, reject) => {
    const server = spawn('java', ['-jar', JAR, 'serve', ...files, '--vmlinux', vmlinux, '--gdb-port', '0', '--dap-port', '0'],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    server.on('error', reject);
    server.on('exit', code => reject(new Error(`serve exited with ${code}`)));
    createInterface({ input: server.stdout }).once('line', line => {
      const port = /dap=127\.0\.0\.1:(\d+)/.exec(line);
      if (!port) {
        reject(new Error(`unexpected first line: ${line}`));
      } else {
        resolve({ server, port: Number(port[1]) });
      }
    });
  });
}

/** initialize, attach, configurationDone and the stopped event, as VS Code does them. */
async function session(client, attach) {
  await client.initializeRequest({ adapterID: 'kdump', supportsMemoryReferences: true, linesStartAt1: true });
  const stopped = client.waitForEvent('stopped', 60000);
  const initialized = client.waitForEvent('initialized', 60000);
  await client.attachRequest(attach);
  await initialized;
  await client.configurationDoneRequest();
  return (await stopped).body;
}

/** `serve` on the dump, DebugClient connected over TCP, stopped: what each fixture's tests start from. */
async function sessionOverTcp(files, vmlinux) {
  const running = await serve(files, vmlinux);
  const client = new DebugClient('node', 'unused', 'kdump');
  client.defaultTimeout = 60000;
  await client.start(running.port);
  return { running, client, stopped: await session(client, {}) };
}

async function endOverTcp(running, client) {
  await client?.stop();
  running?.server.removeAllListeners('exit');
  running?.server.kill();
}

function pcs(frames) {
  return frames.filter(f => f.presentationHint !== 'label').map(f => BigInt(f.instructionPointerReference));
}

for (const fixture of dumps()) {
  describe(`${fixture.id} over TCP`, { timeout: 300000 }, () => {
    let running;
    let client;
    let stopped;
    const tasks = drgnTasks(fixture.id);

    before(async () => {
      ({ running, client, stopped } = await sessionOverTcp(fixture.files, VMLINUX));
    });

    after(async () => {
      await endOverTcp(running, client);
    });

    test('the stop is the panic on the task the kernel said panicked (a snapshot: a pause)', async () => {
      const threads = (await client.threadsRequest()).body.threads;
      const thread = threads.find(t => t.id === stopped.threadId);
      assert.equal(stopped.allThreadsStopped, true);
      if (fixture.snapshot) {
        assert.equal(stopped.reason, 'pause');
        assert.match(thread.name, / \(CPU 0\)$/);
      } else {
        const kernel = panickedTask(fixture.id);
        assert.equal(stopped.reason, 'exception');
        assert.ok(thread.name.startsWith(`${kernel.pid} ${kernel.comm} `), thread.name);
        assert.match(stopped.text, /sysrq triggered crash/);
      }
    });

    test('threads are every task drgn lists', async () => {
      const threads = (await client.threadsRequest()).body.threads;
      assert.equal(threads.length, tasks.length);
      for (const task of tasks) {
        const name = `${task.pid} ${task.comm} [${task.state}]`;
        assert.ok(threads.some(t => t.name === name || t.name.startsWith(`${name} (CPU `)), `no thread ${name}`);
      }
    });

    test('a sleeping task\'s stack is the frames drgn unwound, and it pages', async () => {
      const threads = (await client.threadsRequest()).body.threads;
      const sleeping = tasks.filter(t => !t.onCpu && t.state !== 'Z' && t.pcs.length > 0);
      assert.ok(sleeping.length > 50);
      for (const task of sleeping.filter((t, i) => i % 7 === 0)) {
        const thread = threads.find(t => t.name.startsWith(`${task.pid} ${task.comm} [`));
        const response = await client.stackTraceRequest({ threadId: thread.id });
        assert.deepEqual(pcs(response.body.stackFrames), task.pcs, `${task.pid} ${task.comm}`);
        assert.equal(response.body.totalFrames, response.body.stackFrames.length);
        const page = await client.stackTraceRequest({ threadId: thread.id, startFrame: 1, levels: 2 });
        assert.deepEqual(page.body.stackFrames.map(f => f.id), response.body.stackFrames.slice(1, 3).map(f => f.id));
      }
    });

    test('frames carry source lines from the vmlinux, and the registers scope', async () => {
      const frames = (await client.stackTraceRequest({ threadId: stopped.threadId })).body.stackFrames;
      const code = frames.filter(f => f.presentationHint !== 'label');
      assert.ok(code.every(f => f.source?.name && f.line > 0), JSON.stringify(code[0]));
      // Without kernelSource a frame's file is a reference to a text saying what to do.
      assert.ok(code[0].source.sourceReference > 0, JSON.stringify(code[0].source));
      const text = (await client.send('source', { source: code[0].source, sourceReference: code[0].source.sourceReference })).body;
      assert.match(text.content, /"kernelSource"/);
      const scopes = (await client.scopesRequest({ frameId: code[0].id })).body.scopes;
      const registers = scopes.find(s => s.presentationHint === 'registers');
      const variables = (await client.variablesRequest({ variablesReference: registers.variablesReference })).body.variables;
      assert.equal(variables.find(v => v.name === 'rip').value, code[0].instructionPointerReference);
    });

    test('readMemory gives the bytes crash\'s rd printed', async () => {
      const lines = rdLines(fixture.id);
      assert.ok(lines.length > 0);
      for (const line of lines) {
        const body = (await client.send('readMemory', { memoryReference: line.address, count: 16 })).body;
        assert.deepEqual(Buffer.from(body.data, 'base64'), line.bytes, line.address);
      }
    });

    test('evaluate reads each task drgn lists through its task_struct, jiffies and init_task', async () => {
      const evaluate = async expression => (await client.evaluateRequest({ expression, context: 'watch' })).body;
      for (const task of tasks.filter((t, i) => i % 5 === 0)) {
        const pointer = `((struct task_struct *)${task.address})`;
        assert.equal((await evaluate(`${pointer}->pid`)).result, String(task.pid));
        assert.equal((await evaluate(`${pointer}->comm`)).result, JSON.stringify(task.comm));
      }
      const comm = await evaluate('init_task.comm');
      assert.equal(comm.result, '"swapper/0"');
      assert.equal(comm.type, 'char [16]');
      const uptime = crashUptimeSeconds(fixture.id);
      if (uptime !== undefined) {
        // crash's UPTIME is (jiffies - INITIAL_JIFFIES) / HZ; INITIAL_JIFFIES is -300 s in 32 bits.
        const hz = BigInt(kernelHz());
        const jiffies = BigInt((await evaluate('jiffies')).result);
        assert.equal((jiffies - ((1n << 32n) - 300n * hz)) / hz, BigInt(uptime));
      }
      const frame = (await client.stackTraceRequest({ threadId: stopped.threadId, levels: 1 })).body.stackFrames[0];
      const scopes = (await client.scopesRequest({ frameId: frame.id })).body.scopes;
      const fields = (await client.variablesRequest({ variablesReference: scopes.find(s => s.name === 'Task').variablesReference }))
        .body.variables;
      const thread = (await client.threadsRequest()).body.threads.find(t => t.id === stopped.threadId);
      assert.equal(fields.find(v => v.name === 'pid').value, thread.name.split(' ')[0]);
      const mm = fields.find(v => v.name === 'mm');
      assert.equal(mm.type, 'struct mm_struct *');
      await assert.rejects(client.evaluateRequest({ expression: 'init_task.nothing', context: 'watch' }), /no member named nothing/);
    });

    test('exceptionInfo tells the panic; disassemble gives exactly the count asked', async () => {
      if (!fixture.snapshot) {
        const info = (await client.send('exceptionInfo', { threadId: stopped.threadId })).body;
        assert.match(info.description, /sysrq triggered crash/);
        assert.match(info.details.message, /Kernel panic - not syncing/);
      } else {
        await assert.rejects(client.send('exceptionInfo', { threadId: stopped.threadId }), /did not stop for an exception/);
      }
      const frame = (await client.stackTraceRequest({ threadId: stopped.threadId, levels: 1 })).body.stackFrames
        .find(f => f.instructionPointerReference);
      const body = (await client.send('disassemble', {
        memoryReference: frame.instructionPointerReference, instructionOffset: -5, instructionCount: 10 })).body;
      assert.equal(body.instructions.length, 10);
      assert.equal(body.instructions[5].address, frame.instructionPointerReference);
    });
  });
}

describe('one session over stdio, and what a dump cannot do', { timeout: 300000 }, () => {
  const fixture = dumps().find(d => d.id === 'kdump-zlib-d31');
  let client;
  let stopped;

  let kernelSource;

  before(async () => {
    // A kernel source tree holding one of the kernel's files.
    kernelSource = mkdtempSync(join(tmpdir(), 'kernel-source-'));
    mkdirSync(join(kernelSource, 'kernel'));
    writeFileSync(join(kernelSource, 'kernel/panic.c'), '// panic\n');
    client = new DebugClient('bash', join(HERE, 'adapter.sh'), 'kdump', { env: { ...process.env, JAR } });
    client.defaultTimeout = 60000;
    await client.start();
    stopped = await session(client, { coreFile: fixture.files[0], vmlinux: VMLINUX, kernelSource });
  });

  after(async () => {
    await client?.stop();
  });

  test('the dump named in attach is opened and stops on the panic', async () => {
    assert.equal(stopped.reason, 'exception');
    const frames = (await client.stackTraceRequest({ threadId: stopped.threadId })).body.stackFrames;
    assert.match(frames[0].name, /^__crash_kexec\+0x/);
  });

  test('sources under kernelSource are the loaded sources, and frames open them', async () => {
    const sources = (await client.send('loadedSources', {})).body.sources;
    assert.deepEqual(sources.map(s => s.path), [join(kernelSource, 'kernel/panic.c')]);
    const frames = (await client.stackTraceRequest({ threadId: stopped.threadId })).body.stackFrames;
    assert.equal(frames.find(f => f.name.startsWith('panic+')).source.path, join(kernelSource, 'kernel/panic.c'));
  });

  test('the console runs crash\'s commands', async () => {
    const ps = (await client.evaluateRequest({ expression: 'ps', context: 'repl' })).body.result;
    assert.match(ps, /\[swapper\/0\]/);
  });

  test('running is refused, bad requests are errors, and the session goes on', async () => {
    await assert.rejects(client.continueRequest({ threadId: stopped.threadId }), /crash dump/);
    await assert.rejects(client.stepInRequest({ threadId: stopped.threadId }), /crash dump/);
    await assert.rejects(client.stackTraceRequest({ threadId: 999999 }), /no thread with id 999999/);
    await assert.rejects(client.variablesRequest({ variablesReference: 987654 }), /no variables/);
    await assert.rejects(client.send('readMemory', { memoryReference: '0x1000', count: 1 << 30 }), /out of range/);
    await assert.rejects(client.send('readMemory', { memoryReference: 'nowhere', count: 4 }), /not an address/);
    assert.ok((await client.threadsRequest()).body.threads.length > 0);
  });
});

describe('an arm64 kdump over TCP (drgn is the oracle)', { timeout: 300000 }, () => {
  const fixture = arm64Dump('kdump-zlib-d31');
  let running;
  let client;
  let stopped;

  before(async () => {
    ({ running, client, stopped } = await sessionOverTcp(fixture.files, join(ARM64, 'kernel/vmlinux')));
  });

  after(async () => {
    await endOverTcp(running, client);
  });

  test('the stop is on the task drgn says crashed, and every task is a thread', async () => {
    const threads = (await client.threadsRequest()).body.threads;
    const crashed = fixture.tasks.find(t => t.crashed);
    assert.equal(stopped.reason, 'exception');
    assert.ok(threads.find(t => t.id === stopped.threadId).name.startsWith(`${crashed.pid} ${crashed.comm} `));
    assert.equal(threads.length, fixture.tasks.length);
  });

  test('every sleeping task\'s stack is drgn\'s, and the panic\'s registers are aarch64\'s', async () => {
    const threads = (await client.threadsRequest()).body.threads;
    for (const task of fixture.tasks.filter(t => !t.onCpu && t.state !== 'Z')) {
      const thread = threads.find(t => t.name.startsWith(`${task.pid} ${task.comm} [`));
      const frames = (await client.stackTraceRequest({ threadId: thread.id })).body.stackFrames;
      assert.deepEqual(pcs(frames), task.pcs, `${task.pid} ${task.comm}`);
    }
    const frame = (await client.stackTraceRequest({ threadId: stopped.threadId, levels: 1 })).body.stackFrames[0];
    const scopes = (await client.scopesRequest({ frameId: frame.id })).body.scopes;
    const registers = (await client.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables;
    assert.equal(registers.find(v => v.name === 'pc').value, frame.instructionPointerReference);
    assert.ok(registers.some(v => v.name === 'x29'));
  });

  test('disassemble decodes arm64 code, exactly the count asked', async () => {
    const frame = (await client.stackTraceRequest({ threadId: stopped.threadId, levels: 1 })).body.stackFrames[0];
    const body = (await client.send('disassemble', {
      memoryReference: frame.instructionPointerReference, instructionOffset: -5, instructionCount: 10 })).body;
    assert.equal(body.instructions.length, 10);
    assert.equal(body.instructions[5].address, frame.instructionPointerReference);
    assert.ok(body.instructions.every(i => i.instructionBytes.replace(/ /g, '').length === 8), JSON.stringify(body.instructions[0]));
  });

  test('evaluate reads the arm64 kernel\'s objects', async () => {
    assert.equal((await client.evaluateRequest({ expression: 'init_task.comm', context: 'watch' })).body.result, '"swapper/0"');
    const crashed = fixture.tasks.find(t => t.crashed);
    assert.equal((await client.evaluateRequest({ expression: `((struct task_struct *)${crashed.address})->pid`,
      context: 'watch' })).body.result, String(crashed.pid));
  });
});
