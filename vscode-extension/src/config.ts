// What the extension decides from a launch configuration, without the vscode API, so node --test
// can check it: which adapter to run and how, and whether the configuration makes sense.

export interface KdumpConfiguration {
  type?: string;
  request?: string;
  name?: string;
  coreFile?: string;
  vmlinux?: string;
  splitFiles?: string[];
  kernelSource?: string;
  server?: string;
  javaPath?: string;
  serverArgs?: string[];
}

/** How to reach the adapter: a process we start, or a server already running. */
export type AdapterPlan =
  | { kind: 'executable'; command: string; args: string[] }
  | { kind: 'server'; host: string; port: number };

/** The problems a configuration has, for people; empty when it can be used. */
export function problems(config: KdumpConfiguration): string[] {
  const found: string[] = [];
  if (config.request !== undefined && config.request !== 'attach') {
    found.push(`"request" must be "attach": a crash dump is attached to, never launched`);
  }
  if (!config.server && !config.coreFile) {
    found.push('"coreFile" is missing: set it to the dump (a vmcore, a kdump-compressed file or /proc/kcore)');
  }
  if (config.server !== undefined && parseServer(config.server) === undefined) {
    found.push(`"server" must be host:port, such as 127.0.0.1:4711, not "${config.server}"`);
  }
  if (config.splitFiles !== undefined && !Array.isArray(config.splitFiles)) {
    found.push('"splitFiles" must be a list of file names');
  }
  if (config.serverArgs !== undefined && !Array.isArray(config.serverArgs)) {
    found.push('"serverArgs" must be a list of arguments');
  }
  return found;
}

/** host:port, with IPv6 hosts in brackets; undefined when it is not one. */
export function parseServer(server: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(server.trim());
  if (!match) {
    return undefined;
  }
  const port = Number(match[3]);
  if (port < 1 || port > 65535) {
    return undefined;
  }
  return { host: match[1] ?? match[2], port };
}

/**
 * The adapter for a configuration: the running server when one is named, else the jar bundled in
 * the extension run as `java -jar JAR dap --stdio`.
 */
export function adapterPlan(config: KdumpConfiguration, java: string, jar: string): AdapterPlan {
  if (config.server) {
    const server = parseServer(config.server);
    if (!server) {
      throw new Error(problems(config).join('; '));
    }
    return { kind: 'server', host: server.host, port: server.port };
  }
  return { kind: 'executable', command: java, args: ['-jar', jar, 'dap', '--stdio', ...(config.serverArgs ?? [])] };
}

/**
 * The java to run: the configuration's javaPath, else JAVA_HOME's, else java on the PATH.
 */
export function javaCommand(config: KdumpConfiguration, env: Record<string, string | undefined>, separator = '/'): string {
  if (config.javaPath) {
    return config.javaPath;
  }
  if (env.JAVA_HOME) {
    return `${env.JAVA_HOME.replace(/[\\/]$/, '')}${separator}bin${separator}java`;
  }
  return 'java';
}

/**
 * The major version `java -version` reports (it prints to stderr): 17 for `openjdk version
 * "17.0.15"`, 8 for `java version "1.8.0_412"`; undefined when the text is not that.
 */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) {
    return undefined;
  }
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

export const MINIMUM_JAVA = 17;
