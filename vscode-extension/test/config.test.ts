import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { adapterPlan, javaCommand, javaMajorVersion, parseServer, problems } from '../src/config';

test('a dump on its own is a usable configuration', () => {
  assert.deepEqual(problems({ type: 'kdump', request: 'attach', coreFile: '/var/crash/vmcore' }), []);
});

test('a configuration without a dump or server says what to set', () => {
  assert.match(problems({ request: 'attach' })[0], /"coreFile" is missing/);
  assert.match(problems({ request: 'launch', coreFile: 'x' })[0], /must be "attach"/);
  assert.match(problems({ server: 'localhost' })[0], /host:port/);
});

test('servers are host:port, IPv6 in brackets', () => {
  assert.deepEqual(parseServer('127.0.0.1:4711'), { host: '127.0.0.1', port: 4711 });
  assert.deepEqual(parseServer('[::1]:4711'), { host: '::1', port: 4711 });
  assert.equal(parseServer('host:0'), undefined);
  assert.equal(parseServer('host:99999'), undefined);
});

test('the bundled jar runs as dap --stdio with the extra arguments', () => {
  assert.deepEqual(adapterPlan({ coreFile: 'vmcore', serverArgs: ['-v'] }, '/usr/bin/java', '/ext/server/kdump-bridge.jar'), {
    kind: 'executable',
    command: '/usr/bin/java',
    args: ['-jar', '/ext/server/kdump-bridge.jar', 'dap', '--stdio', '-v'],
  });
  assert.deepEqual(adapterPlan({ server: '127.0.0.1:4711' }, 'java', 'jar'), { kind: 'server', host: '127.0.0.1', port: 4711 });
});

test('java is javaPath, else JAVA_HOME/bin/java, else java on the PATH', () => {
  assert.equal(javaCommand({ javaPath: '/opt/jdk/bin/java' }, { JAVA_HOME: '/x' }), '/opt/jdk/bin/java');
  assert.equal(javaCommand({}, { JAVA_HOME: '/usr/lib/jvm/java-17/' }), '/usr/lib/jvm/java-17/bin/java');
  assert.equal(javaCommand({}, {}), 'java');
});

test('java -version output gives the major version, old and new schemes', () => {
  assert.equal(javaMajorVersion('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment'), 17);
  assert.equal(javaMajorVersion('java version "1.8.0_412"'), 8);
  assert.equal(javaMajorVersion('openjdk version "21" 2023-09-19'), 21);
  assert.equal(javaMajorVersion('bash: java: command not found'), undefined);
});
