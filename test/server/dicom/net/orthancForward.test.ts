import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { LOCALIZER_UID } from '../../session/doubles.ts';
import { collect, sessionState, startExam, waitUntil } from '../../session/hubHarness.ts';
import { logEntries, startFixture, writeSeriesFiles } from './listenerHarness.ts';

const ORTHANC = '/usr/sbin/Orthanc';

/**
 * Lua run by Orthanc at start: uploads the files through Orthanc's REST API, forwards the study
 * with `POST /modalities/copilot/store` and writes the REST response to a file. Orthanc 1.10 cannot
 * bind its HTTP or DICOM server to loopback, so both stay disabled and the script calls the
 * REST API from inside Orthanc.
 */
function forwardScript(files: string[], resultPath: string): string {
  const list = files.map((path) => `'${path}'`).join(', ');
  return `
function Initialize()
  local ids = {}
  for _, path in ipairs({ ${list} }) do
    local file = io.open(path, 'rb')
    local answer = ParseJson(RestApiPost('/instances', file:read('*a')))
    file:close()
    table.insert(ids, answer['ID'])
  end
  local stored = RestApiPost('/modalities/copilot/store', DumpJson({ Resources = ids, Synchronous = true }))
  local out = io.open('${resultPath}', 'w')
  out:write(stored)
  out:close()
end
`;
}

test('Orthanc forwards a localizer to the listener', async () => {
  if (!existsSync(ORTHANC)) {
    console.log(`skipped: ${ORTHANC} is not installed (Debian package orthanc)`);
    return;
  }
  const fixture = await startFixture({ allowedCallingAeTitles: ['ORTHANC'] });
  const orthancDir = mkdtempSync(join(tmpdir(), 'lumbar-orthanc-'));
  const resultPath = join(orthancDir, 'store-result.json');
  const orthanc = { process: null as ReturnType<typeof spawn> | null, output: '' };
  try {
    const sessionId = await startExam(fixture.hub, 'exam-1');
    const watcher = collect(fixture.hub.watchSession(sessionId));
    const files = writeSeriesFiles(fixture.fileDir, LOCALIZER_UID, 3);
    writeFileSync(join(orthancDir, 'forward.lua'), forwardScript(files, resultPath));
    const config = {
      Name: 'lumbar-copilot-test',
      StorageDirectory: join(orthancDir, 'storage'),
      IndexDirectory: join(orthancDir, 'storage'),
      HttpServerEnabled: false,
      DicomServerEnabled: false,
      RemoteAccessAllowed: false,
      DicomAet: 'ORTHANC',
      DicomModalities: { copilot: ['LUMBARCOPILOT', '127.0.0.1', fixture.listener.port] },
      LuaScripts: [join(orthancDir, 'forward.lua')],
      Plugins: [],
    };
    writeFileSync(join(orthancDir, 'orthanc.json'), JSON.stringify(config, null, 2));

    const child = spawn(ORTHANC, [join(orthancDir, 'orthanc.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    orthanc.process = child;
    child.stdout.on('data', (chunk: Buffer) => (orthanc.output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (orthanc.output += chunk.toString()));

    await waitUntil(() => existsSync(resultPath) || child.exitCode !== null, 'the Orthanc store answer', 20_000);
    assert.ok(existsSync(resultPath), orthanc.output);
    const answer = JSON.parse(readFileSync(resultPath, 'utf8')) as { InstancesCount?: number; FailedInstancesCount?: number };
    assert.is(answer.InstancesCount, 3, JSON.stringify(answer));
    assert.is(answer.FailedInstancesCount, 0, JSON.stringify(answer));

    await waitUntil(() => sessionState(fixture.hub, sessionId) === 'planning.awaitingTechnologist', 'the proposed plan', 5000);
    await waitUntil(() => watcher.messages.some((message) => message.type === 'localizer'), 'the localizer on the console');
    const accepted = logEntries(fixture.logLines, 'association accepted');
    assert.is(accepted[0]?.callingAeTitle, 'ORTHANC');
    watcher.subscription.unsubscribe();
  } finally {
    if (orthanc.process !== null && orthanc.process.exitCode === null) {
      const exited = new Promise((resolve) => orthanc.process?.once('exit', resolve));
      orthanc.process.kill('SIGTERM');
      await exited;
    }
    rmSync(orthancDir, { recursive: true, force: true });
    await fixture.close();
  }
});

test.run();
