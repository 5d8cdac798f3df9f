#!/usr/bin/env node
// The `credence` command. Credence runs on Node.js 24 (the project pins it: npm scripts and npx use
// node_modules/.bin/node); an older Node cannot run its TypeScript sources, so say so plainly.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `credence: Node.js 24 or newer is required (this is ${process.version}); run it through npm (npm run credence -- ...) or npx credence, which use the pinned Node 24\n`,
  );
  process.exit(2);
}
await import('../src/cli/main.ts');
