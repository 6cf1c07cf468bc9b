/**
 * Command-line dispatcher for `lumbar-copilot <command>`. Each command lives beside the
 * concern it drives and exports `run(argv): Promise<number>` returning the exit code.
 */
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from './commandLine/options.ts';
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

function usageText(): string {
  const lines = ['Usage: lumbar-copilot <command> [options]', '', 'Commands:'];
  for (const [name, entry] of Object.entries(COMMANDS)) {
    lines.push(`  ${name.padEnd(10)} ${entry.summary}`);
  }
  lines.push(
    '',
    'Run `lumbar-copilot <command> --help` for the options of one command.',
    '',
    'Exit status: 0 on success, 1 when a command fails at run time, 2 for invalid usage. Each',
    "command's help lists its own cases.",
  );
  return lines.join('\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`Missing command.\n\n${usageText()}`);
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usageText());
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    process.stderr.write(`Unknown command "${name}". Valid commands: ${Object.keys(COMMANDS).join(', ')}.\n`);
    return EXIT_USAGE;
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
    // A usage error a command did not catch still exits as one.
    process.exitCode = error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  },
);
