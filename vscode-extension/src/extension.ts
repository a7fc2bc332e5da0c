// The VS Code side: a "kdump" debug type whose adapter is the kdump-bridge jar bundled here (or a
// running server), a command that opens a dump with file pickers, the Kernel Tasks view and the
// kernel log. Decisions that need no VS Code live in config.ts and tasks.ts, where they are tested.
import * as childProcess from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import { KdumpConfiguration, MINIMUM_JAVA, adapterPlan, javaCommand, javaMajorVersion, problems } from './config';
import { KernelTask, STATE_NAMES, TaskGroup, groupTasks, parseTask, taskLabel } from './tasks';

export function activate(context: vscode.ExtensionContext): void {
  const jar = context.asAbsolutePath(path.join('server', 'kdump-bridge.jar'));
  const tasks = new KernelTasksView();
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider('kdump', new ConfigurationProvider()),
    vscode.debug.registerDebugAdapterDescriptorFactory('kdump', new AdapterFactory(jar)),
    vscode.debug.registerDebugAdapterTrackerFactory('kdump', {
      createDebugAdapterTracker: () => ({
        onDidSendMessage: (message: { type?: string; event?: string }) => {
          if (message.type === 'event' && message.event === 'stopped') {
            void tasks.refresh();
          }
        },
      }),
    }),
    vscode.window.registerTreeDataProvider('kdump.tasks', tasks),
    vscode.workspace.registerTextDocumentContentProvider(OUTPUT_SCHEME, commandOutput),
    vscode.debug.onDidTerminateDebugSession(() => tasks.clear()),
    vscode.commands.registerCommand('kdump.openDump', openDump),
    vscode.commands.registerCommand('kdump.showKernelLog', () => showInEditor('log', 'log')),
    vscode.commands.registerCommand('kdump.refreshTasks', () => tasks.refresh()),
    vscode.commands.registerCommand('kdump.filterTasks', () => tasks.askFilter()),
    vscode.commands.registerCommand('kdump.showTaskStack', (task: KernelTask) =>
      showInEditor(`bt -l ${task.pid}`, 'plaintext')),
  );
}

export function deactivate(): void {
  // Sessions end with VS Code's own shutdown; nothing else is held.
}

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  async resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    if (!config.type && !config.request && !config.name) {
      // F5 without a launch.json: ask for the dump.
      return pickDump();
    }
    config.request = config.request ?? 'attach';
    const found = problems(config as KdumpConfiguration);
    if (found.length > 0) {
      await vscode.window.showErrorMessage(`kdump: ${found.join('; ')}`);
      return undefined;
    }
    return config;
  }
}

class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly jar: string) {}

  async createDebugAdapterDescriptor(session: vscode.DebugSession): Promise<vscode.DebugAdapterDescriptor | undefined> {
    const config = session.configuration as KdumpConfiguration;
    const java = javaCommand(config, process.env, path.sep);
    if (!config.server) {
      const problem = checkJava(java);
      if (problem) {
        await vscode.window.showErrorMessage(problem);
        return undefined;
      }
    }
    const plan = adapterPlan(config, java, this.jar);
    return plan.kind === 'server'
      ? new vscode.DebugAdapterServer(plan.port, plan.host)
      : new vscode.DebugAdapterExecutable(plan.command, plan.args);
  }
}

/** Why the java cannot run the server, or undefined when it can. */
function checkJava(java: string): string | undefined {
  const run = childProcess.spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 20000 });
  if (run.error) {
    return `kdump: no Java found at "${java}" (${run.error.message}). kdump-bridge needs Java ${MINIMUM_JAVA} or later:`
      + ' install it (Debian: apt install openjdk-17-jre-headless) or set "javaPath" in the launch configuration.';
  }
  const major = javaMajorVersion(`${run.stderr}${run.stdout}`);
  if (major === undefined || major < MINIMUM_JAVA) {
    return `kdump: "${java}" is Java ${major ?? '(unknown version)'}; kdump-bridge needs Java ${MINIMUM_JAVA} or later.`
      + ' Set "javaPath" in the launch configuration to a newer one.';
  }
  return undefined;
}

async function pickDump(): Promise<vscode.DebugConfiguration | undefined> {
  const dump = await vscode.window.showOpenDialog({ title: 'Kernel crash dump (vmcore)', canSelectMany: false });
  if (!dump || dump.length === 0) {
    return undefined;
  }
  const vmlinux = await vscode.window.showOpenDialog({
    title: 'Debug vmlinux of the same build (Cancel: use the symbols in the dump)',
    canSelectMany: false,
  });
  const config: vscode.DebugConfiguration = {
    type: 'kdump',
    request: 'attach',
    name: `kdump: ${path.basename(dump[0].fsPath)}`,
    coreFile: dump[0].fsPath,
  };
  if (vmlinux && vmlinux.length > 0) {
    config.vmlinux = vmlinux[0].fsPath;
  }
  return config;
}

async function openDump(): Promise<void> {
  const config = await pickDump();
  if (config) {
    await vscode.debug.startDebugging(undefined, config);
  }
}

/** The scheme of the read-only documents that show console commands' output. */
const OUTPUT_SCHEME = 'kdump';

/**
 * Console commands' output (crash's log, bt) as read-only documents named by the command
 * ({@code kdump:bt -l 297}): one tab per command, nothing to save.
 */
class CommandOutput implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? '';
  }

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.path, text);
    this.changed.fire(uri);
  }
}

const commandOutput = new CommandOutput();

/** A console command's output (crash's log, bt) in a read-only editor. */
async function showInEditor(command: string, language: string): Promise<void> {
  const session = vscode.debug.activeDebugSession;
  if (!session || session.type !== 'kdump') {
    await vscode.window.showErrorMessage('kdump: no kernel dump is being debugged');
    return;
  }
  const answer = await session.customRequest('evaluate', { expression: command, context: 'repl' });
  const uri = vscode.Uri.from({ scheme: OUTPUT_SCHEME, path: command });
  commandOutput.set(uri, `${answer.result}\n`);
  const document = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), language);
  await vscode.window.showTextDocument(document, { preview: true });
}

type Node = { group: TaskGroup } | { task: KernelTask };

/** Every kernel task, grouped by CPU and state, filtered by pid or command. */
class KernelTasksView implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private tasks: KernelTask[] = [];
  private filter = '';

  async refresh(): Promise<void> {
    const session = vscode.debug.activeDebugSession;
    if (!session || session.type !== 'kdump') {
      return;
    }
    const answer = await session.customRequest('threads');
    this.tasks = (answer.threads as { id: number; name: string }[])
      .map(t => parseTask(t.id, t.name))
      .filter((t): t is KernelTask => t !== undefined);
    this.changed.fire(undefined);
  }

  clear(): void {
    this.tasks = [];
    this.changed.fire(undefined);
  }

  async askFilter(): Promise<void> {
    const filter = await vscode.window.showInputBox({ prompt: 'Show tasks whose pid or command contains', value: this.filter });
    if (filter !== undefined) {
      this.filter = filter;
      this.changed.fire(undefined);
    }
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      return groupTasks(this.tasks, this.filter).map(group => ({ group }));
    }
    return 'group' in node ? node.group.tasks.map(task => ({ task })) : [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if ('group' in node) {
      const item = new vscode.TreeItem(`${node.group.label}: ${node.group.tasks.length}`,
        node.group.label === 'On a CPU' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      item.contextValue = 'group';
      return item;
    }
    const item = new vscode.TreeItem(taskLabel(node.task), vscode.TreeItemCollapsibleState.None);
    item.description = `[${node.task.state}]`;
    item.tooltip = `thread ${node.task.threadId}: click for its kernel stack with source lines`;
    // Screen readers read the task, not the tooltip.
    item.accessibilityInformation = { label: `${taskLabel(node.task)}, ${STATE_NAMES[node.task.state] ?? node.task.state}` };
    item.command = { command: 'kdump.showTaskStack', title: 'Show stack', arguments: [node.task] };
    return item;
  }
}
