// accounts import throughput: 100,000 accounts from JSON Lines and from YAML, whole command wall time, against
// the target of 50,000 accounts per second. Baseline in the same run: the bare start of the same program
// (`--version`), so the figure can also be read without start-up.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {cli, fmt, medianTime, peakRssMiB, printTable, recordSummary, tempDir, timeOnce} from './lib.mjs'

const COUNT = Number(process.env.BENCH_IMPORT_COUNT ?? 100_000)
const {file, prefix, label} = cli()
const dir = tempDir()
try {
  const jsonl = join(dir.path, 'accounts.jsonl')
  const yaml = join(dir.path, 'accounts.yaml')
  writeFileSync(jsonl, Array.from({length: COUNT}, (_, i) => JSON.stringify({name: `user${i}@example.com`, groups: i % 10 === 0 ? ['devops'] : []})).join('\n'))
  writeFileSync(yaml, Array.from({length: COUNT}, (_, i) => `- name: user${i}@example.com${i % 10 === 0 ? '\n  groups: [devops]' : ''}`).join('\n'))

  const startup = medianTime(file, [...prefix, '--version'], {runs: 5})
  const rows = []
  for (const [format, path] of [['jsonl', jsonl], ['yaml', yaml]]) {
    const store = join(dir.path, `${format}.db`)
    timeOnce(file, [...prefix, 'groups', 'create', 'devops'], {env: {ACCESSCTL_STORE: store}})
    const {ms} = timeOnce(file, [...prefix, 'accounts', 'import', path], {env: {ACCESSCTL_STORE: store}})
    const perSecond = COUNT / (ms / 1000)
    const withoutStartup = COUNT / ((ms - startup) / 1000)
    const rssStore = join(dir.path, `${format}-rss.db`)
    timeOnce(file, [...prefix, 'groups', 'create', 'devops'], {env: {ACCESSCTL_STORE: rssStore}})
    const rss = peakRssMiB(file, [...prefix, 'accounts', 'import', path], {env: {ACCESSCTL_STORE: rssStore}})
    recordSummary(`bulk: accounts import (${format}, ${COUNT})`, `${fmt(perSecond, 0)} accounts/s`, '>= 50,000/s', perSecond >= 50_000)
    recordSummary(`memory: accounts import (${format})`, `${fmt(rss, 0)} MiB`, '<= 100 MiB', rss !== null && rss <= 100)
    rows.push([format, COUNT, fmt(ms, 0), fmt(perSecond, 0), fmt(withoutStartup, 0), fmt(perSecond / 50_000, 2), perSecond >= 50_000 ? 'met' : 'NOT met', fmt(rss, 0)])
  }

  printTable(`accounts import (${label}; start-up baseline ${fmt(startup, 0)} ms)`, ['format', 'accounts', 'wall ms', 'accounts/s', 'accounts/s less start-up', 'x target', 'target 50,000/s', 'peak MiB'], rows)
} finally {
  dir.cleanup()
}
