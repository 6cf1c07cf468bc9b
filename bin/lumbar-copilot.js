#!/usr/bin/env node
// Entry point: registers the TypeScript loader, then runs the command-line interface.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli.ts');
