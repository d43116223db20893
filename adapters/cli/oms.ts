import type { Output } from './client-commands.ts';
import { main } from './main.ts';

// The `oms` entry point: `npm start` (= oms serve), `npm run oms -- <command>`, `npm run demo`.
const output: Omit<Output, 'exit'> = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};
const code = await main(process.argv.slice(2), output);
// A command may have set a failing status itself (`oms verify` finding differences): keep it.
if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
