#!/usr/bin/env node
// accessctl's own commands without oclif's Config.load (the single executable's fast path), aliases resolved,
// and oclif's execute for the rest, with accessctl's answer to words that name no command (src/cli/package-run.ts).
import {runPackage} from '../dist/lib/cli/package-run.js'

await runPackage(process.argv.slice(2), import.meta.url)
