import {Args} from '@oclif/core'
import {createInterface} from 'node:readline'

import {AccessctlCommand} from '../../cli/base-command.js'
import {VerdictError} from '../../errors.js'
import {TokenVerifier, verificationJson, type VerificationJson} from '../../domain/tokens.js'

export type TokensVerifyResult = VerificationJson

/** Output is gathered into chunks this big: one write per token would cost more than verifying it. */
const OUTPUT_CHUNK = 64 * 1024

export default class TokensVerify extends AccessctlCommand {
  static override summary = 'Verify a token: signature, validity period, signing key and revocation.'
  static override description = `Exit 0 when the token is valid, 3 when it is not, with the reason: malformed, unknown_key, retired_key,
bad_signature, expired, not_yet_valid or revoked. With - it reads one token per line from stdin and prints one JSON
line per token ({valid, reason, jti, accountId, type, role, expiresAt}); the exit code is 0 only if all were valid.
Needs no credential: this is what an API server calls.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> "$T"',
    '<%= config.bin %> <%= command.id %> "$T" --json',
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
    this.say(`valid ${verdict.type} token ${verdict.jti} for account ${verdict.accountId}, expires ${verdict.expiresAt}`)
    return verdict
  }

  private async verifyStream(verifier: TokenVerifier): Promise<void> {
    let total = 0
    let invalid = 0
    let out = ''
    const lines = createInterface({input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY})
    for await (const line of lines) {
      const token = line.trim()
      if (token === '') continue
      const verdict = verificationJson(verifier.verify(token))
      total++
      if (!verdict.valid) invalid++
      out += `${JSON.stringify(verdict)}\n`
      if (out.length >= OUTPUT_CHUNK) {
        await writeOut(out)
        out = ''
      }
    }

    await writeOut(out)
    if (invalid > 0) throw new VerdictError(`${invalid} of ${total} token(s) are invalid`, null)
  }
}

/** Writes and waits when the pipe is full, so a slow reader does not make the output pile up in memory. */
function writeOut(text: string): Promise<void> {
  if (text === '') return Promise.resolve()
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve()
    else process.stdout.once('drain', resolve)
  })
}
