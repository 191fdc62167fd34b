import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {junitXml, xmlEscape} from '../../../src/core/policy-tests/junit.js'
import {wellFormed, xpath} from '../../helpers/xml.js'

const work = mkdtempSync(join(tmpdir(), 'accessctl-junit-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))


const HOSTILE = `a<b>&c "d" 'e' ]]> <!-- \u001b[2J\u202eevil\u0000\r\n\tend \uD800 \uFFFE 😀`

describe('junitXml and xmlEscape', () => {
  it('escapes markup, keeps what XML holds as a character reference, and writes the rest as visible escapes', () => {
    expect(xmlEscape(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;')
    expect(xmlEscape('a\nb\u202e')).toBe('a&#xA;b&#x202E;')
    expect(xmlEscape('\u0000\u001b\uFFFE\uD800')).toBe('\\x00\\x1b\\ufffe\\ud800')
    expect(xmlEscape('plain 😀 é')).toBe('plain 😀 é')
  })

  it('is a report a strict parser reads back: counts, one testcase per test, failures with their message, hostile names intact', () => {
    const file = join(work, 'report.xml')
    writeFileSync(
      file,
      junitXml(`suite ${HOSTILE}`, [
        {name: 'holds', classname: 'alice@example.com'},
        {name: HOSTILE, classname: HOSTILE, failure: {message: `why: ${HOSTILE}`, details: `details ${HOSTILE}`}},
        {name: 'third', classname: 'bob', failure: {message: 'no', details: 'line one\nline two'}},
      ]),
    )
    wellFormed(file)
    expect(xpath(file, 'string(/testsuites/@tests)')).toBe('3')
    expect(xpath(file, 'string(/testsuites/@failures)')).toBe('2')
    expect(xpath(file, 'count(/testsuites/testsuite)')).toBe('1')
    expect(xpath(file, 'string(/testsuites/testsuite/@tests)')).toBe('3')
    expect(xpath(file, 'string(/testsuites/testsuite/@failures)')).toBe('2')
    expect(xpath(file, 'count(//testcase)')).toBe('3')
    expect(xpath(file, 'count(//testcase/failure)')).toBe('2')
    expect(xpath(file, 'count(//testcase[1]/*)')).toBe('0')
    // What a consumer reads: the characters XML can hold come back exactly; the ones it cannot are escapes.
    const decoded = HOSTILE.replace('\u001b', '\\x1b').replace('\u0000', '\\x00').replace('\uD800', '\\ud800').replace('\uFFFE', '\\ufffe')
    expect(xpath(file, 'string(//testcase[2]/@name)')).toBe(decoded)
    expect(xpath(file, 'string(//testcase[2]/@classname)')).toBe(decoded)
    expect(xpath(file, 'string(//testcase[2]/failure/@message)')).toBe(`why: ${decoded}`)
    expect(xpath(file, 'string(//testcase[2]/failure)')).toBe(`details ${decoded}`)
    expect(xpath(file, 'string(/testsuites/testsuite/@name)')).toBe(`suite ${decoded}`)
    expect(xpath(file, 'string(//testcase[3]/failure)')).toBe('line one\nline two')
  })
})
