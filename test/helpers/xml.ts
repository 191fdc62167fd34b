import {spawnSync} from 'node:child_process'
import {expect} from 'vitest'

/**
 * No XML parser is installed in node_modules: the report is read by xmllint (libxml2, a real, strict parser; the
 * CI installs libxml2-utils), which checks it is well-formed and, through XPath, gives back the structure and the
 * values as a parser decodes them. So the checks compare what a JUnit consumer reads, not the text we wrote.
 */
export function xpath(file: string, expression: string): string {
  const run = spawnSync('xmllint', ['--xpath', expression, file], {encoding: 'utf8'})
  if (run.error) throw run.error
  if (run.status !== 0) throw new Error(`xmllint --xpath ${expression} ${file}: exit ${run.status}: ${run.stderr}`)
  // xmllint ends what it prints with a line break of its own.
  return run.stdout.endsWith('\n') ? run.stdout.slice(0, -1) : run.stdout
}

export function wellFormed(file: string): void {
  const run = spawnSync('xmllint', ['--noout', file], {encoding: 'utf8'})
  if (run.error) throw run.error
  expect(run.stderr).toBe('')
  expect(run.status).toBe(0)
}
