import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {PROJECT_ROOT} from '../helpers/cli.js'
import {exampleShellEnv, programOnPath, runBashScript} from '../helpers/example-shell.js'
import {readmeScript, shellBlocks} from '../helpers/readme-script.js'

const README = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8')
const work = mkdtempSync(join(tmpdir(), 'accessctl-readme-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

/**
 * Every page under docs/ that has shell examples runs as the README does, each page on its own: in a fresh shell,
 * with a fresh home and default store, so that a page's examples are complete as a reader finds them.
 */
const DOCS = join(PROJECT_ROOT, 'docs')
const pagesWithExamples = readdirSync(DOCS)
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => ({name, blocks: shellBlocks(readFileSync(join(DOCS, name), 'utf8'))}))
  .filter((page) => page.blocks.some((block) => block.skipReason === undefined))
  .map((page) => [page.name, page.blocks] as const)


describe('the README', () => {
  const blocks = shellBlocks(README)

  it('has shell examples, and says why of each one it does not run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3)
    for (const block of blocks) if (block.skipReason !== undefined) expect(block.skipReason.length).toBeGreaterThan(10)
    // Most examples run: a README whose examples are all skipped would test nothing.
    expect(blocks.filter((block) => !block.skipReason).length).toBeGreaterThan(blocks.length * 0.6)
    // The reference lives in docs/: with its pages, the examples are still many, so none can vanish unnoticed.
    const running = [blocks, ...pagesWithExamples.map(([, pageBlocks]) => pageBlocks)].flat().filter((block) => !block.skipReason)
    expect(running.length).toBeGreaterThanOrEqual(40)
  })

  it('is short: at most 400 lines, the rest in docs/', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(400)
  })

  it('the harness: a command that must fail and does not is reported with its README line', () => {
    const {script} = readmeScript(shellBlocks('text\n\n```sh\ntrue\ntrue   # refused (exit 3)\n```\n'))
    const run = spawnSync('bash', ['-c', script], {encoding: 'utf8'})
    expect(run.status).toBe(97)
    expect(run.stderr).toContain('README line 5: expected exit 3, got 0')
    const failing = readmeScript(shellBlocks('```sh\ntrue\nfalse\ntrue\n```\n'))
    const failed = spawnSync('bash', ['-c', failing.script], {encoding: 'utf8'})
    expect(failed.status).toBe(1)
    expect(failed.stderr).toContain('README line 3: exited 1')
  })

  it('the harness: what a command shows is what it prints, and a document it writes is read by its parser', () => {
    const harness = join(work, 'harness')
    mkdirSync(harness, {recursive: true})
    const run = (markdown: string) => {
      const result = spawnSync('bash', ['-c', readmeScript(shellBlocks(markdown)).script], {cwd: harness, encoding: 'utf8'})
      return result.status === 0 ? 'ok' : (result.stderr.match(/README line \d+: .*/)?.[0] ?? `exit ${result.status}: ${result.stderr}`)
    }

    const sh = (body: string) => `\`\`\`sh\n${body}\n\`\`\`\n`
    expect(run(sh('echo hello   # => hello'))).toBe('ok')
    expect(run(sh('echo "created 3076c505"   # prints it => created ...'))).toBe('ok')
    expect(run(sh('echo hullo   # => hello'))).toBe('README line 2: stdout line 1 is "hullo", not "hello" as shown')
    expect(run(sh('printf "a\\nb\\n"\n# => a\n# => b'))).toBe('ok')
    expect(run(sh('printf "a\\nb\\nc\\n"\n# => a\n# => b'))).toBe('README line 2: stdout line 3 is "c", not "(nothing more)" as shown')
    expect(run(sh('sh -c "echo Error: no store at x >&2; echo a hint >&2; exit 6"   # Error: no store at x (exit 6)'))).toBe('ok')
    expect(run(sh('sh -c "echo Error: no such store >&2; exit 6"   # Error: no store at ... (exit 6)'))).toBe(
      'README line 2: stderr line 1 is "Error: no such store", not "Error: no store at ..." as shown',
    )
    expect(run(sh('sh -c "echo Error: x >&2; exit 6"   # Error: x (exit 3)'))).toBe('README line 2: expected exit 3, got 6')
    expect(run(sh("sh -c 'cat >&2; exit 3' <<'EOF'   # refused (exit 3)\nError: nothing applied\n  line 6: refused\nEOF\n# Error: nothing applied\n#   line 6: ..."))).toBe('ok')
    expect(run('```console\n$ sh -c "echo hi; echo Error: there >&2; exit 2"\nhi\nError: there\n```\n')).toBe('ok')
    expect(run('```console\n$ echo hi\nho\n```\n')).toBe('README line 2: the output line 1 is "hi", not "ho" as shown')
    expect(run(sh('echo \'{"keys": []}\' > good.json\necho "a: [b]" > good.yaml\necho "{" > notes.txt'))).toBe('ok')
    // What `tokens jwks > jwks.json` wrote before documents were kept apart from messages.
    expect(run(sh(String.raw`printf '%s' '{\x0a  "keys": []\x0a}' > jwks.json`))).toMatch(/^README line 2: jwks\.json is not JSON/)
    expect(run(sh("cat > access.yaml <<'EOF'\na: [b\nEOF"))).toMatch(/^README line 2: access\.yaml is not YAML/)
  })

  it('runs every shell example in order against a fresh store, each command with the exit its comment promises', async () => {
    const run = await runPage('README', blocks, 'README line')
    expect(run).toBe('exit 0')
  }, 300_000)
})

describe.each(pagesWithExamples)('docs/%s', (name, blocks) => {
  it('runs every shell example in order against a fresh store, each command with the exit its comment promises', async () => {
    for (const block of blocks) if (block.skipReason !== undefined) expect(block.skipReason.length).toBeGreaterThan(10)
    expect(await runPage(name, blocks, `docs/${name} line`)).toBe('exit 0')
  }, 300_000)
})

describe('links between the pages', () => {
  const pages = ['README.md', 'CHANGELOG.md', ...readdirSync(DOCS).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)]

  it.each(pages)('every relative link of %s names a file that exists, and a heading of it that exists', (page) => {
    const text = readFileSync(join(PROJECT_ROOT, page), 'utf8')
    const broken: string[] = []
    for (const {target, line} of relativeLinks(text)) {
      const [path, anchor] = target.split('#', 2)
      const file = path === '' ? join(PROJECT_ROOT, page) : resolve(dirname(join(PROJECT_ROOT, page)), decodeURIComponent(path))
      if (!existsSync(file)) broken.push(`line ${line}: ${target}: no such file`)
      else if (anchor !== undefined && file.endsWith('.md') && !headingAnchors(readFileSync(file, 'utf8')).has(anchor)) {
        broken.push(`line ${line}: ${target}: no such heading`)
      }
    }

    expect(broken).toEqual([])
  })

  it('the checker finds links and headings as GitHub does', () => {
    const text = '# A `b`: c (d)\n\n## Dyff\'s names\n\n## Dyff\'s names\n\n```sh\n# not a heading\n[x](y.md)\n```\n[a](b.md#c) `[no](link.md)` [w](https://x.y)\n'
    expect([...headingAnchors(text)]).toEqual(['a-b-c-d', 'dyffs-names', 'dyffs-names-1'])
    expect(relativeLinks(text)).toEqual([{target: 'b.md#c', line: 11}])
  })
})

/** The relative links of a Markdown page (outside code blocks and code spans), with their lines. */
function relativeLinks(markdown: string): Array<{target: string; line: number}> {
  const links: Array<{target: string; line: number}> = []
  let fenced = false
  for (const [index, line] of markdown.split('\n').entries()) {
    if (/^```/.test(line)) fenced = !fenced
    if (fenced) continue
    for (const match of line.replaceAll(/`[^`]*`/g, '').matchAll(/\]\(([^()\s]+)\)/g)) {
      if (!/^[a-z][a-z+.-]*:/i.test(match[1])) links.push({target: match[1], line: index + 1})
    }
  }

  return links
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>()
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (/^```/.test(line)) fenced = !fenced
    const heading = fenced ? undefined : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const slug = heading.toLowerCase().replaceAll(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replaceAll(' ', '-')
    let anchor = slug
    for (let repeat = 1; anchors.has(anchor); repeat++) anchor = `${slug}-${repeat}`
    anchors.add(anchor)
  }

  return anchors
}

/** Runs one page's examples in a shell of its own; what it returns names the first line that failed, or 'exit 0'. */
async function runPage(page: string, blocks: ReturnType<typeof shellBlocks>, where: string): Promise<string> {
  const root = join(work, page.replaceAll(/[^\w.-]/g, '_'))
  const home = join(root, 'home')
  const cwd = join(root, 'cwd')
  mkdirSync(home, {recursive: true})
  mkdirSync(cwd, {recursive: true})
  const env = exampleShellEnv(programOnPath(root), home)
  const {script} = readmeScript(blocks, where)
  writeFileSync(join(root, 'examples.sh'), script)
  const run = await runBashScript(join(root, 'examples.sh'), {cwd, env, timeoutMs: 280_000})
  if (run.status !== 0) console.error(run.stdout.slice(-4000), run.stderr.slice(-4000))
  const failedLine = new RegExp(`${where.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\d+: .*`)
  return run.stderr.match(failedLine)?.[0] ?? `exit ${run.status}`
}
