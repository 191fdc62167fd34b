#!/usr/bin/env node
// oclif's execute, but with accessctl's answer to words that name no command (see src/cli/main.ts).
import {execute} from '../dist/lib/cli/main.js'

await execute(process.argv.slice(2), import.meta.url)
