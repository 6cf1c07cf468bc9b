/**
 * Command-line dispatcher for `lumbar-copilot <command>`. Each command lives beside the
 * concern it drives and exports `run(argv): Promise<number>` returning the exit code.
 */
import { logger } from './log.ts';

interface CommandEntry {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, CommandEntry> = {
  demo: {
    summary: 'start the server and run a simulated exam on the embedded phantom (what `npm start` runs)',
    load: () => import('../simulator/demoCommand.ts'),
  },
  serve: {
    summary: 'start the HTTP and WebSocket server (and the DICOM listener with --dicom-port)',
    load: () => import('./transport/serveCommand.ts'),
  },
  simulate: {
    summary: 'run a simulated scanner exam against a server',
    load: () => import('../simulator/simulateCommand.ts'),
  },
  replay: {
    summary: 'replay a recorded session from a journal and report differences',
    load: () => import('../simulator/replayCommand.ts'),
  },
  plan: {
    summary: 'print the scan plan for one series folder or volume',
    load: () => import('./planning/planCommand.ts'),
  },
  evaluate: {
    summary: 'measure the shipped model and planner on a labelled data folder',
    load: () => import('./inference/evaluateCommand.ts'),
  },
};

function printUsage(): void {
  const lines = ['Usage: lumbar-copilot <command> [options]', '', 'Commands:'];
  for (const [name, entry] of Object.entries(COMMANDS)) {
    lines.push(`  ${name.padEnd(10)} ${entry.summary}`);
  }
  lines.push('', 'Run `lumbar-copilot <command> --help` for the options of one command.');
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    printUsage();
    return name === undefined ? 1 : 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    process.stderr.write(`Unknown command "${name}". Valid commands: ${Object.keys(COMMANDS).join(', ')}.\n`);
    return 2;
  }
  const command = await entry.load();
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    logger.debug({ err: error }, 'command failed');
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
