import {Args} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {formatBytes, INPUT_LIMITS, LineReader, openInput} from '../../cli/input.js'
import {JsonLines} from '../../cli/output.js'
import {UsageError, VerdictError} from '../../errors.js'
import {TokenVerifier, verificationJson, type VerificationJson} from '../../domain/token-verifier.js'

export type TokensVerifyResult = VerificationJson

/** Output is gathered into chunks this big: one write per token would cost more than verifying it. */
const OUTPUT_CHUNK = 64 * 1024

export default class TokensVerify extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Verify a token: signature, validity period, signing key and revocation.'
  static override description = `Exit 0 when the token is valid, 3 when it is not, with the reason: malformed, unknown_key, retired_key, bad_signature, expired, not_yet_valid or revoked. With - it reads one token per line from stdin and prints one JSON line per token ({valid, reason, jti, accountId, type, role, expiresAt}); the exit code is 0 only if all were valid, and 2 when stdin holds no token. A line is at most ${formatBytes(INPUT_LIMITS.tokenLine)}. Answers are written as soon as no more input is waiting, so a program can send one token and read its answer. Needs no credential: this is what an API server calls.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> "$TOKEN"',
    '<%= config.bin %> <%= command.id %> "$TOKEN" --json',
    '<%= config.bin %> <%= command.id %> - < tokens.txt',
  ]

  static override args = {token: Args.string({description: 'The token, or - to read one per line from stdin.', required: true})}
  static override credentialFree = true

  async run(): Promise<TokensVerifyResult | undefined> {
    const {args, flags} = await this.parse(TokensVerify)
    const verifier = new TokenVerifier((await this.context(flags)).store.db)
    if (args.token === '-') {
      await this.verifyStream(verifier)
      return undefined
    }

    const verdict = verificationJson(verifier.verify(args.token.trim()))
    if (!verdict.valid) throw new VerdictError(`invalid token: ${verdict.reason}`, verdict)
    const show = this.display()
    this.say(`valid ${verdict.type} token ${verdict.jti} for account ${show.account(verdict.accountId)}, expires ${show.time(verdict.expiresAt)}`)
    return verdict
  }

  private async verifyStream(verifier: TokenVerifier): Promise<void> {
    let total = 0
    let invalid = 0
    const out = new JsonLines()
    // Tokens are ASCII: a stray byte makes its line malformed, which the verdict says, rather than stopping the stream.
    const lines = new LineReader(openInput('-', 'tokens, one per line'), {what: 'a token', cap: INPUT_LIMITS.tokenLine, strictUtf8: false})
    for (;;) {
      // Answer what was read before waiting for more: a caller may wait for an answer before it sends the next token.
      if (!lines.hasBufferedLine()) await out.flush()

      const next = lines.next()
      if (next.done) break
      const token = next.value.text.trim()
      if (token === '') continue
      const verdict = verificationJson(verifier.verify(token))
      total++
      if (!verdict.valid) invalid++
      out.push(verdict)
      if (out.pendingLength >= OUTPUT_CHUNK) await out.flush()
    }

    await out.flush()
    if (total === 0) throw new UsageError('no token on stdin', {hint: 'Write one token per line: accessctl tokens verify - < tokens.txt'})
    if (invalid > 0) throw new VerdictError(`${invalid} of ${total} token(s) are invalid`, null)
  }
}
