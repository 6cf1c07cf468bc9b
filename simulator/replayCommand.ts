/**
 * `lumbar-copilot replay`: re-runs a recorded session from a journal against a server and
 * reports where the proposals or QC verdicts differ from the recording.
 */
import { EXIT_FAILURE, EXIT_USAGE, parseCommandOptions, UsageError } from '../server/commandLine/options.ts';
import { checkOutputFile, writeOutputFile } from '../server/commandLine/outputPaths.ts';
import { logger } from '../server/log.ts';
import { ReplayError, replaySession, type ReplayReport } from './replay.ts';

export const REPLAY_HELP = `Usage: lumbar-copilot replay --server URL --token TOKEN --journal FILE --session ID [options]

Sends a recorded session's scanner messages, images and technologist actions to a server again,
on a new exam id, and compares the final plan and QC verdicts with the recording.

Options:
  --server URL      server base URL, such as http://127.0.0.1:8080
  --token TOKEN     access token (default: LUMBAR_COPILOT_TOKEN)
  --journal FILE    journal database, journal.sqlite in the recording server's data directory
  --session ID      recorded session id; GET /v1/sessions?status=ended on the recording server
                    lists finished sessions, most recent first, and the simulate summary
                    prints the id on its Session line
  --report FILE     write the JSON report to FILE
  --help            print this help

Exit status: 0 when the replay matches the recording, 1 when it differs or did not complete,
2 for invalid or missing options, an unreadable journal, a session the journal does not contain
or a --report path that cannot be written.
`;

/** Fix for each required option, printed when the option is missing: what to pass and where the value comes from. */
const MISSING_OPTION_HINTS = {
  '--server': 'pass the base URL of the server to replay against, such as http://127.0.0.1:8080.',
  '--token': 'pass the access token that server printed, or set LUMBAR_COPILOT_TOKEN.',
  '--journal': "pass the recording server's journal, journal.sqlite in its --data-dir (./var/journal.sqlite by default).",
  '--session': 'pass a recorded session id. GET /v1/sessions?status=ended on the recording server lists finished sessions, and the simulate summary prints the id on its Session line.',
} as const;


export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseCommandOptions('replay', {
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        server: { type: 'string' },
        token: { type: 'string' },
        journal: { type: 'string' },
        session: { type: 'string' },
        report: { type: 'string' },
      },
    }).values;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }
  if (values.help === true) {
    process.stdout.write(REPLAY_HELP);
    return 0;
  }
  const token = values.token ?? process.env.LUMBAR_COPILOT_TOKEN;
  const optionValues: Record<keyof typeof MISSING_OPTION_HINTS, string | undefined> = {
    '--server': values.server,
    '--token': token,
    '--journal': values.journal,
    '--session': values.session,
  };
  const missing = Object.entries(MISSING_OPTION_HINTS).filter(([name]) => {
    const value = optionValues[name as keyof typeof MISSING_OPTION_HINTS];
    return value === undefined || value === '';
  });
  if (missing.length > 0) {
    process.stderr.write(missing.map(([name, hint]) => `Missing ${name}: ${hint}\n`).join(''));
    return EXIT_USAGE;
  }

  let report: ReplayReport;
  try {
    // Checked before the replay, so a wrong path does not cost a whole run.
    if (values.report !== undefined) checkOutputFile(values.report, '--report');
    report = await replaySession({
      serverUrl: values.server as string,
      token: token as string,
      journalPath: values.journal as string,
      sessionId: values.session as string,
      logger,
    });
  } catch (error) {
    if (!(error instanceof ReplayError) && !(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }

  if (values.report !== undefined) writeOutputFile(values.report, `${JSON.stringify(report, null, 2)}\n`, '--report');
  process.stdout.write(formatReplaySummary(report));
  return report.completed && report.identical ? 0 : EXIT_FAILURE;
}

export function formatReplaySummary(report: ReplayReport): string {
  const lines = [
    `Replayed session ${report.recordedSessionId} as ${report.replayedSessionId ?? '-'} (exam ${report.replayedExamId}): ${report.eventsReplayed} events sent, ${report.eventsSkipped.length} skipped`,
    `Final state: recorded ${report.recordedState}, replayed ${report.replayedState ?? '-'}${report.failureReason === null ? '' : ` (${report.failureReason})`}`,
  ];
  if (report.identical) lines.push('Proposals and QC verdicts match the recording.');
  for (const difference of report.proposalDifferences) {
    const detail =
      difference.change === 'geometry'
        ? `centre moved ${difference.centerDifferenceMm?.toFixed(2)} mm, normal turned ${difference.angleDifferenceDeg?.toFixed(2)} deg, slices ${difference.recordedSliceCount} -> ${difference.replayedSliceCount}`
        : difference.change;
    lines.push(`  proposal ${difference.kind} ${difference.level}: ${detail}`);
  }
  for (const difference of report.qcDifferences) lines.push(`  QC ${difference.level}: recorded ${difference.recorded ?? '-'}, replayed ${difference.replayed ?? '-'}`);
  return `${lines.join('\n')}\n`;
}
