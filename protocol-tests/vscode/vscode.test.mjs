// The extension as a person uses it: the .vsix installed into code-server (the VS Code workbench
// served to a browser), opened in headless Chromium on a folder whose launch.json attaches to the
// kdump-compressed panic dump, debugging started from the command palette, and then what the
// workbench shows read from its DOM: the Call Stack against crash's bt -a, the Kernel Tasks view
// against crash's ps, a task's stack opened from that view. Leaves target/vscode-screenshot.png.
// env: VSIX, CODE_SERVER (code-server's entry.js), KDUMP_BRIDGE_FIXTURES; run by run.sh.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { FIXTURES, dumps, panickedTask } from '../dap/oracles.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
// The README shows a copy of it: vscode-extension/images/vscode.png.
const SCREENSHOT = process.env.SCREENSHOT ?? join(HERE, '../../target/vscode-screenshot.png');
const VSIX = process.env.VSIX;
const CODE_SERVER = process.env.CODE_SERVER;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** The kdump-compressed dump of the sysrq panic; another id with KDUMP_BRIDGE_VSCODE_DUMP. */
const DUMP_ID = process.env.KDUMP_BRIDGE_VSCODE_DUMP ?? 'kdump-zlib-d31';
const CONFIGURATION = 'panic dump';
const ROW = '.monaco-list-row';

/** crash's ps: every task, with '>' on the ones a CPU was running; [brackets] mark kernel threads. */
function crashPs(id) {
  const tasks = [];
  for (const line of readFileSync(join(FIXTURES, 'oracle/crash', id, 'ps.txt'), 'utf8').split('\n')) {
    const m = /^(>?)\s*(\d+)\s+(\d+)\s+(\d+)\s+([0-9a-f]+)\s+([A-Z]{2})\s+[\d.]+\s+\d+\s+\d+\s+(.*)$/.exec(line);
    if (m) {
      const comm = m[7].replace(/^\[(.*)\]$/, '$1');
      tasks.push({ active: m[1] === '>', pid: Number(m[2]), cpu: Number(m[4]), state: m[6], comm });
    }
  }
  return tasks;
}

/** crash's ps state names as the one letters of /proc (and of the adapter's thread names). */
const STATE_LETTERS = { RU: 'R', IN: 'S', UN: 'D', ID: 'I', ST: 'T', TR: 't', ZO: 'Z', DE: 'X', PA: 'P' };

/** The function names of a task's frames in crash's bt -a, innermost first. */
function crashBacktrace(id, pid) {
  const text = readFileSync(join(FIXTURES, 'oracle/crash', id, 'bt-a.txt'), 'utf8');
  const start = text.search(new RegExp(`^PID: ${pid}\\s`, 'm'));
  assert.ok(start >= 0, `crash's bt -a has no task ${pid}`);
  const block = text.slice(start).split(/\n(?=PID: )/)[0];
  return [...block.matchAll(/^\s*#\d+ \[[0-9a-f]+\] (\S+) at [0-9a-f]+/gm)].map(m => m[1]);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function until(what, check, timeout = 60000, interval = 250) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) {
      return value;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}`);
    }
    await new Promise(resolve => setTimeout(resolve, interval));
  }
}

/** A view of the Run and Debug container, by its title. */
function view(page, title) {
  return page.locator(`.pane:has(> .pane-header[aria-label="${title} Section"])`);
}

async function setViewExpanded(page, title, expanded) {
  const header = page.locator(`.pane-header[aria-label="${title} Section"]`);
  await header.waitFor();
  if ((await header.getAttribute('aria-expanded') === 'true') !== expanded) {
    await header.click();
    await until(`${title} to ${expanded ? 'open' : 'close'}`,
      async () => (await header.getAttribute('aria-expanded') === 'true') === expanded, 10000);
  }
}

/** Every row a tree view renders now: level, expanded, aria label, label and description. */
async function renderedRows(tree) {
  return tree.locator(`.monaco-list-rows > ${ROW}`).evaluateAll(rows => rows.map(row => ({
    index: Number(row.dataset.index),
    level: Number(row.getAttribute('aria-level')),
    expanded: row.getAttribute('aria-expanded'),
    aria: row.getAttribute('aria-label') ?? '',
    name: row.querySelector('.label-name')?.textContent ?? '',
    description: row.querySelector('.label-description')?.textContent ?? '',
  })).sort((a, b) => a.index - b.index));
}

/**
 * Every row of the Kernel Tasks tree, every group open. VS Code renders only the rows in sight, so
 * the page is made tall enough for all of them (the groups' labels give their sizes) while the
 * other views are closed; groups are opened by their twisties until every one is open and shows
 * the tasks its label counts.
 */
async function allTaskRows(page, tree) {
  const size = page.viewportSize();
  await setViewExpanded(page, 'Call Stack', false);
  try {
    const counted = rows => rows.filter(r => r.level === 1).reduce((n, g) => n + 1 + Number(/: (\d+)$/.exec(g.name)?.[1] ?? 0), 0);
    const needed = counted(await renderedRows(tree));
    await page.setViewportSize({ width: size.width, height: Math.max(size.height, 600 + 22 * needed) });
    return await until('every Kernel Tasks group to open', async () => {
      const rows = await renderedRows(tree);
      const closed = rows.find(r => r.level === 1 && r.expanded === 'false');
      if (closed) {
        // One at a time, found by label: an opening group moves the rows below it, and a click
        // on a task's row would open its stack.
        await tree.locator(`.monaco-list-rows > ${ROW}[aria-level="1"][aria-expanded="false"]`)
          .filter({ has: page.locator('.label-name', { hasText: closed.name }) }).locator('.monaco-tl-twistie').click();
        return false;
      }
      return rows.length === counted(rows) && rows;
    }, 60000, 200);
  } finally {
    await page.setViewportSize(size);
    await setViewExpanded(page, 'Call Stack', true);
  }
}

describe(`the extension in VS Code (code-server ${CODE_SERVER?.match(/code-server-([\d.]+)/)?.[1] ?? ''}) on ${DUMP_ID}`, () => {
  const dump = dumps().find(d => d.id === DUMP_ID);
  const kernel = panickedTask(DUMP_ID);
  let tmp;
  let codeServer;
  let codeServerExit;
  let browser;
  let page;
  let panicThread;
  let shownByItself;

  before(async () => {
    assert.ok(VSIX && CODE_SERVER, 'VSIX and CODE_SERVER must be set (run.sh sets them)');
    assert.ok(dump, `no dump ${DUMP_ID} in ${join(FIXTURES, 'manifest.tsv')}`);
    assert.ok(kernel, `the kernel log of ${DUMP_ID} names no panicking task`);
    tmp = mkdtempSync(join(tmpdir(), 'kdump-bridge-vscode-'));
    const workspace = join(tmp, 'workspace');
    const userData = join(tmp, 'user-data');
    const extensions = join(tmp, 'extensions');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    mkdirSync(join(userData, 'User'), { recursive: true });
    writeFileSync(join(workspace, '.vscode/launch.json'), JSON.stringify({
      version: '0.2.0',
      configurations: [{
        type: 'kdump', request: 'attach', name: CONFIGURATION,
        coreFile: dump.files[0], vmlinux: join(FIXTURES, 'kernel/vmlinux'),
      }],
    }, null, 2));
    writeFileSync(join(userData, 'User/settings.json'), JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.colorTheme': 'Default Dark Modern',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'git.enabled': false,
      'debug.internalConsoleOptions': 'neverOpen',
      'debug.toolBarLocation': 'docked',
      // Tree rows only once in the DOM: no copies of parents pinned at the top.
      'workbench.tree.enableStickyScroll': false,
    }, null, 2));
    // code-server keeps its config and logs under XDG directories: here, not in $HOME.
    const env = { ...process.env, XDG_CONFIG_HOME: join(tmp, 'config'), XDG_DATA_HOME: join(tmp, 'data') };
    const common = ['--user-data-dir', userData, '--extensions-dir', extensions, '--config', join(tmp, 'config.yaml')];
    execFileSync(process.execPath, [CODE_SERVER, '--install-extension', VSIX, ...common],
      { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 180000 });

    const port = await freePort();
    const log = openSync(join(tmp, 'code-server.log'), 'a');
    // Its own process group, so that the extension host and the adapter's java go with it.
    codeServer = spawn(process.execPath, [CODE_SERVER, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
      ...common, workspace], { env, detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    codeServerExit = new Promise(resolve => codeServer.on('exit', resolve));
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
    await until('code-server to answer', async () => {
      if (codeServer.exitCode !== null) {
        throw new Error(`code-server exited (${codeServer.exitCode}):\n${readFileSync(join(tmp, 'code-server.log'), 'utf8')}`);
      }
      return fetch(url).then(r => r.ok, () => false);
    }, 120000, 500);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.setDefaultTimeout(60000);
    await page.goto(url);
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 180000 });
    await page.locator('.explorer-folders-view').waitFor({ timeout: 180000 });

    // The side bar wide enough for frame names and task labels.
    const sideBar = await page.locator('.part.sidebar').boundingBox();
    const edge = sideBar.x + sideBar.width;
    const sash = (await page.locator('.monaco-sash.vertical').evaluateAll(sashes => sashes.map(s => s.getBoundingClientRect())
      .map(r => ({ x: r.x + r.width / 2, y: r.y + r.height / 2, height: r.height }))))
      .filter(s => s.height > 300).sort((a, b) => Math.abs(a.x - edge) - Math.abs(b.x - edge))[0];
    if (sash && Math.abs(sash.x - edge) < 10) {
      await page.mouse.move(sash.x, sash.y);
      await page.mouse.down();
      await page.mouse.move(620, sash.y, { steps: 10 });
      await page.mouse.up();
    }

    // Start debugging: the command palette's "debug " picker of launch configurations. The first
    // try can come before the workbench has read launch.json, so a few tries.
    for (let attempt = 1; ; attempt++) {
      await page.keyboard.press('Escape');
      await page.locator('.part.editor').click();
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill(`debug ${CONFIGURATION}`);
      const option = page.locator('.quick-input-list [role=option]').filter({ hasText: CONFIGURATION }).first();
      try {
        await option.waitFor({ timeout: 20000 });
        await option.click();
        break;
      } catch (error) {
        if (attempt === 3) {
          throw error;
        }
      }
    }
    const callStack = view(page, 'Call Stack');
    panicThread = callStack.locator(`${ROW}[aria-level="1"][aria-label^="Thread ${kernel.pid} ${kernel.comm} ["]`);
    await panicThread.waitFor({ timeout: 180000 });
    // Does VS Code open the panic task's stack by itself, as it does for a breakpoint?
    shownByItself = await until('the panic task\'s frames', async () =>
      await panicThread.getAttribute('aria-expanded') === 'true'
        && (await renderedRows(callStack)).some(r => r.level === 2 && r.aria.startsWith('Stack Frame ')), 10000)
      .catch(() => false);
    // Room for the Call Stack and Kernel Tasks.
    for (const title of ['Variables', 'Watch', 'Breakpoints']) {
      await setViewExpanded(page, title, false);
    }
  }, { timeout: 900000 });

  after(async () => {
    try {
      if (page) {
        await page.mouse.move(1200, 300);
        mkdirSync(dirname(SCREENSHOT), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true, timeout: 30000 })
          .catch(error => console.error(`no screenshot: ${error.message}`));
      }
      await browser?.close().catch(() => {});
    } finally {
      if (codeServer && codeServer.exitCode === null && codeServer.signalCode === null) {
        try {
          process.kill(-codeServer.pid, 'SIGTERM');
        } catch {
          // already gone
        }
        const gone = await Promise.race([codeServerExit, new Promise(resolve => setTimeout(() => resolve(false), 10000))]);
        if (gone === false) {
          try {
            process.kill(-codeServer.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
      // What outlives code-server in its group (the adapter's java, say) goes too.
      if (codeServer?.pid) {
        try {
          process.kill(-codeServer.pid, 'SIGKILL');
        } catch {
          // nothing left
        }
      }
      if (tmp && process.env.KDUMP_BRIDGE_KEEP_TMP === undefined) {
        rmSync(tmp, { recursive: true, force: true });
      } else if (tmp) {
        console.log(`kept ${tmp}`);
      }
    }
  });

  test('the stop is the kernel panic, on the task the kernel log says panicked', async () => {
    const label = await panicThread.getAttribute('aria-label');
    assert.ok(label.startsWith(`Thread ${kernel.pid} ${kernel.comm} [R] (CPU ${kernel.cpu})`), label);
    assert.match(label, /Kernel panic$/);
  });

  // VS Code focuses (and so expands) only a frame whose source it can show: without kernelSource
  // the adapter gives each frame's file as a source reference, whose text says what to do.
  test('VS Code shows the panic task\'s frames by itself when the session stops', async () => {
    assert.ok(shownByItself, 'the panic thread stayed collapsed in the Call Stack');
  });

  test('the Call Stack lists the panic task with the frames crash\'s bt shows for it', async () => {
    const callStack = view(page, 'Call Stack');
    if (await panicThread.getAttribute('aria-expanded') !== 'true') {
      await panicThread.locator('.monaco-tl-twistie').click();
      await until('the panic thread to expand', async () => await panicThread.getAttribute('aria-expanded') === 'true');
    }
    // VS Code folds runs of de-emphasized frames into one "Show N More Stack Frames" row.
    const frames = async () => {
      const rows = await renderedRows(callStack);
      const at = rows.findIndex(r => r.level === 1 && r.aria.startsWith(`Thread ${kernel.pid} ${kernel.comm} [`));
      const end = rows.findIndex((r, i) => i > at && r.level === 1);
      return rows.slice(at + 1, end < 0 ? rows.length : end);
    };
    await until('the panic task\'s frames', async () => (await frames()).length > 0);
    for (let more = 0; more < 10; more++) {
      const fold = (await frames()).find(r => /^Show \d+ More/.test(r.aria));
      if (!fold) {
        break;
      }
      await callStack.locator(`${ROW}[data-index="${fold.index}"]`).click();
      await until('the folded frames to show', async () => !(await frames()).some(r => r.index === fold.index && r.aria === fold.aria), 15000);
    }
    const shown = (await frames()).map(r => /^Stack Frame (\S+?)(?:,|$)/.exec(r.aria)?.[1]?.replace(/\+0x[0-9a-f]+$/, ''));
    const crash = crashBacktrace(DUMP_ID, kernel.pid);
    assert.ok(shown.includes('panic'), `no panic frame in ${shown.join(' ')}`);
    // crash's #0 is where the CPU was when the dump was taken (machine_kexec), below the
    // registers the panic saved; the adapter's stack starts from those.
    assert.ok(shown.length >= crash.length - 1 && shown.length <= crash.length, `shown: ${shown.join(' ')}\ncrash: ${crash.join(' ')}`);
    assert.deepEqual(shown, crash.slice(crash.length - shown.length));
  });

  test('the Kernel Tasks view lists every task crash\'s ps lists, in the group of its state or CPU', async () => {
    await setViewExpanded(page, 'Kernel Tasks', true);
    const tasks = view(page, 'Kernel Tasks');
    await until('Kernel Tasks to fill', async () => (await renderedRows(tasks)).length > 0, 60000);
    const rows = await allTaskRows(page, tasks);
    const shown = [];
    let group;
    for (const row of rows) {
      if (row.level === 1) {
        group = { label: row.name, count: Number(/: (\d+)$/.exec(row.name)?.[1]), tasks: 0 };
        group.key = row.name.startsWith('On a CPU') ? 'On a CPU' : /\((\w)\): \d+$/.exec(row.name)?.[1];
        shown.push(group);
      } else {
        assert.ok(group, `task ${row.name} outside any group`);
        group.tasks++;
        shown.push(`${group.key} | ${row.name} | ${row.description}`);
      }
    }
    const groups = shown.filter(g => typeof g !== 'string');
    for (const g of groups) {
      assert.equal(g.tasks, g.count, `group "${g.label}" holds ${g.tasks} tasks`);
    }
    const expected = crashPs(DUMP_ID).map(t => {
      const letter = STATE_LETTERS[t.state] ?? t.state;
      return t.active
        ? `On a CPU | ${t.pid} ${t.comm} (CPU ${t.cpu}) | [${letter}]`
        : `${letter} | ${t.pid} ${t.comm} | [${letter}]`;
    });
    assert.ok(expected.length > 50, `crash's ps lists only ${expected.length} tasks`);
    const actual = shown.filter(s => typeof s === 'string');
    const byText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
    assert.deepEqual([...actual].sort(byText), [...expected].sort(byText));
  });

  test('a click on the panic task in Kernel Tasks opens its stack with source lines', async () => {
    const tasks = view(page, 'Kernel Tasks');
    await tasks.locator('.monaco-list').first().focus();
    await page.keyboard.press('Home');
    const name = `${kernel.pid} ${kernel.comm} (CPU ${kernel.cpu})`;
    const item = tasks.locator(ROW).filter({ has: page.locator('.label-name', { hasText: name }) }).first();
    await item.click();
    const editor = page.locator('.part.editor .monaco-editor .view-lines').first();
    const text = await until('the task\'s stack in an editor', async () => {
      const shown = (await editor.textContent({ timeout: 1000 }).catch(() => '')).replace(/\u00a0/g, ' ');
      return new RegExp(`PID: ${kernel.pid}\\b[^]*#\\d+ `).test(shown) && shown;
    }, 120000);
    // The lines in sight: the frames crash's bt shows (but its #0, as in the Call Stack).
    for (const name of crashBacktrace(DUMP_ID, kernel.pid).slice(1)) {
      assert.match(text, new RegExp(`#\\d+ \\[[0-9a-f]+\\] ${name.replace(/[.]/g, '\\.')} at `), `no frame ${name} in\n${text}`);
    }
    assert.equal(await page.locator('.part.editor .tabs-container .tab').count(), 1, 'one editor, the task\'s stack');
    assert.match(text, /\bpanic\.c: \d+/);
    // Back to the top of the list for the screenshot.
    await tasks.locator('.monaco-list').first().focus();
    await page.keyboard.press('Home');
  });
});
