// Shared helpers for the benchmarks: every figure is a ratio against a baseline measured in the same run,
// because these machines are noisy.
import {spawnSync} from 'node:child_process'
import {appendFileSync, existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The program to measure: the single executable when BENCH_BIN names it, else bin/run.js on this node. */
export function cli() {
  const bin = process.env.BENCH_BIN
  if (bin) return {file: resolve(bin), prefix: [], label: bin}
  return {file: process.execPath, prefix: [join(ROOT, 'bin', 'run.js')], label: 'node bin/run.js'}
}

export function tempDir(prefix = 'accessctl-bench-') {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return {path, cleanup: () => rmSync(path, {recursive: true, force: true})}
}

/** Runs a command once and returns its wall time in milliseconds; throws if it fails. */
export function timeOnce(file, args, {env = {}, input} = {}) {
  const started = process.hrtime.bigint()
  const result = spawnSync(file, args, {env: {...process.env, ...env}, input, maxBuffer: 1 << 30})
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.status}: ${result.stderr?.toString().slice(0, 500)}`)
  }

  return {ms, stdout: result.stdout.toString()}
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** Median wall time of `runs` runs, after one warm-up run (file cache, code cache). */
export function medianTime(file, args, {runs = 10, env, input} = {}) {
  timeOnce(file, args, {env, input})
  const times = []
  for (let i = 0; i < runs; i++) times.push(timeOnce(file, args, {env, input}).ms)
  return median(times)
}

/** Peak resident memory of one run in MiB, from GNU time. */
export function peakRssMiB(file, args, {env = {}} = {}) {
  if (!existsSync('/usr/bin/time')) return null
  const result = spawnSync('/usr/bin/time', ['-f', '%M', file, ...args], {env: {...process.env, ...env}, maxBuffer: 1 << 30})
  const lines = result.stderr.toString().trim().split('\n')
  const kib = Number(lines.at(-1))
  return Number.isFinite(kib) ? kib / 1024 : null
}

export function printTable(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd()
  console.log(`\n${title}`)
  console.log(line(header))
  console.log(line(widths.map((w) => '-'.repeat(w))))
  for (const row of rows) console.log(line(row))
}

export const fmt = (n, digits = 1) => (n === null || n === undefined ? 'n/a' : Number(n).toFixed(digits))

/**
 * Adds one line to the summary that `npm run bench` prints at the end (a no-op when a benchmark runs alone):
 * the figure, what was measured, the target, and whether it was met.
 */
export function recordSummary(figure, measured, target, met) {
  const file = process.env.BENCH_SUMMARY_FILE
  if (!file) return
  appendFileSync(file, `${JSON.stringify({figure, measured, target, met})}\n`)
}
