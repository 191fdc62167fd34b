import {setTimeout as sleep} from 'node:timers/promises'

import {escapeControl} from '../core/text.js'
import {chalkFor, type Column, Rendered} from './output.js'

/** How often a follower looks for new commits: short enough to feel live, long enough to cost nothing while idle. */
export const FOLLOW_INTERVAL_MS = 200

/**
 * Calls `poll` now and then every `intervalMs` until `until` (after one last poll at that time, so what was written
 * before it is shown), SIGINT or SIGTERM, or a reader that closed stdout (`| head`): the ways a follower ends well,
 * with exit 0. What `poll` throws ends it too, and is the command's error.
 */
export async function followUntilStopped(
  poll: (stopped: AbortSignal) => Promise<void> | void,
  {until, intervalMs = FOLLOW_INTERVAL_MS}: {until?: Date; intervalMs?: number} = {},
): Promise<FollowEnd> {
  const stop = new AbortController()
  let end: FollowEnd = 'until'
  const onSignal = () => {
    end = 'signal'
    stop.abort()
  }

  // EPIPE from a pipe, ECONNRESET from a socket (what a parent process hands its child): nobody reads any more.
  const onOutputError = () => {
    end = 'reader-gone'
    stop.abort()
  }

  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.stdout.on('error', onOutputError)
  try {
    while (!stop.signal.aborted) {
      await poll(stop.signal)
      const left = until === undefined ? intervalMs : until.getTime() - Date.now()
      if (left <= 0) break
      try {
        await sleep(Math.min(intervalMs, left), undefined, {signal: stop.signal})
      } catch {
        // Aborted by a signal: the loop's condition ends it.
      }
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.stdout.off('error', onOutputError)
  }

  return end
}

/**
 * Why a follower ended. After `reader-gone` stdout is broken: oclif's closing flush would wait for it to drain, which
 * never happens, so the command must exit at once.
 */
export type FollowEnd = 'reader-gone' | 'signal' | 'until'

/**
 * Waits for `work` (a write waiting for the reader to drain the pipe) unless the follower is stopped first: a reader
 * that closed the pipe never drains it, and the follower would wait for it forever.
 */
export function unlessStopped(work: Promise<void>, stopped: AbortSignal): Promise<void> {
  if (stopped.aborted) return Promise.resolve()
  return Promise.race([work, new Promise<void>((resolve) => stopped.addEventListener('abort', () => resolve(), {once: true}))])
}

/**
 * A table printed a batch of rows at a time, as they arrive. Piped: tab-separated rows, as renderTable prints them.
 * On a terminal: the header once, and columns as wide as the first batch (or its header) made them, so later rows
 * line up under it; a longer cell pushes the rest of its own line only.
 */
export class StreamedTable<T> {
  private widths: number[] | undefined

  /** Whether the first batch (and on a terminal, the header) was rendered. */
  get started(): boolean {
    return this.widths !== undefined
  }

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {}

  /** The columns may differ from batch to batch in how they show a value (a relative time), not in what they are. */
  render(rows: readonly T[], columns: ReadonlyArray<Column<T>>, {headers = true}: {headers?: boolean} = {}): Rendered {
    const cells = rows.map((row) => columns.map((column) => escapeControl(column.value(row))))
    const first = this.widths === undefined
    this.widths ??= columns.map((column, i) => Math.max(headers ? column.header.length : 0, ...cells.map((line) => line[i].length)))
    if (!this.stream.isTTY) return new Rendered(cells.map((line) => line.join('\t')).join('\n'))
    const lines: string[] = []
    if (first && headers) {
      lines.push(chalkFor(this.stream).bold(this.pad(columns.map((column) => column.header))))
    }

    lines.push(...cells.map((line) => this.pad(line)))
    return new Rendered(lines.join('\n'))
  }

  private pad(line: readonly string[]): string {
    return line
      .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(this.widths![i])))
      .join('  ')
      .trimEnd()
  }
}
