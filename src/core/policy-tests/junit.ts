/**
 * JUnit XML for `accessctl test --junit FILE`, the report CI systems (GitLab, Jenkins, GitHub's test reporters) show
 * per test: one testsuite per document, one testcase per test, a `failure` with the reason for each that failed.
 */

export interface JunitCase {
  name: string
  /** The account and question, shown as the case's class so reports group the tests of one account. */
  classname: string
  failure?: {message: string; details: string}
}

/**
 * Characters escaped in every text and attribute: the five of XML's markup, and the ones that could drive a
 * terminal (`cat report.xml`) or that XML 1.0 cannot hold at all. The latter (C0 controls other than tab, line feed
 * and carriage return, U+FFFE, U+FFFF, lone surrogates) have no character reference either, so they are written as
 * the text `\xNN` / `\uNNNN`, as accessctl shows them everywhere; the rest become numeric references, which a parser
 * reads back as the very character.
 */
const ESCAPED = /[&<>"']|[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800\uFFFE\uFFFF]/gu
const MARKUP: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;'}

function escapeOne(character: string): string {
  const markup = MARKUP[character]
  if (markup !== undefined) return markup
  const code = character.codePointAt(0)!
  const xmlCharacter = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || code >= 0x10000
  if (xmlCharacter) return `&#x${code.toString(16).toUpperCase()};`
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** Text made safe for an XML element's content or a quoted attribute value (either quote). */
export function xmlEscape(text: string): string {
  return text.replaceAll(ESCAPED, escapeOne)
}

export function junitXml(suiteName: string, cases: readonly JunitCase[]): string {
  const failures = cases.filter((testCase) => testCase.failure !== undefined).length
  const counts = `tests="${cases.length}" failures="${failures}" errors="0"`
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="accessctl test" ${counts}>`,
    `  <testsuite name="${xmlEscape(suiteName)}" ${counts} skipped="0">`,
  ]
  for (const testCase of cases) {
    const open = `    <testcase name="${xmlEscape(testCase.name)}" classname="${xmlEscape(testCase.classname)}"`
    if (testCase.failure === undefined) {
      lines.push(`${open}/>`)
      continue
    }

    lines.push(
      `${open}>`,
      `      <failure message="${xmlEscape(testCase.failure.message)}" type="PolicyTestFailure">${xmlEscape(testCase.failure.details)}</failure>`,
      '    </testcase>',
    )
  }

  lines.push('  </testsuite>', '</testsuites>', '')
  return lines.join('\n')
}
