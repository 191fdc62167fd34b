import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../cli/base-command.js'
import {Document} from '../cli/output.js'
import {renderReviewSections} from '../cli/review-output.js'
import type {AccessReview} from '../core/review.js'
import {reviewMarkdownBlocks} from '../core/review-markdown.js'
import {readReview} from '../domain/review/index.js'

/** The --json document. */
export type ReviewResult = AccessReview

export default class Review extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'A periodic access review: who holds what, and what to look at.'
  static override description = `One report of the whole store: the groups holding each privilege on every service and infrastructure (implications included) with their members, owners, global administrators and the holders of may-create-services, who may deploy to each Production infrastructure, and the findings to look at: Admin-strength tokens living over 24 hours, admin keys that never expire, query keys older than 90 days and deployments that anyone may query on a Production infrastructure. Objects are named by id, never by a secret.

Lists of accounts show the first 100 by name with the count of all. --format markdown prints Markdown (headings and pipe tables, every stored value a code span) for a ticket or a pull request; --json the document. Needs a global administrator: the operator, an admin key, or a token of a member of a group with --admin.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --format markdown > access-review.md',
    '<%= config.bin %> <%= command.id %> --json > access-review.json',
  ]

  static override flags = {
    format: Flags.option({
      description: 'table (the default: one table per section) or markdown (for a ticket or a pull request).',
      options: ['table', 'markdown'] as const,
      default: 'table' as const,
      exclusive: ['json'],
    })(),
  }

  /**
   * Writes the review while it is read (inside the read transaction, a section or a piece at a time), --json included,
   * so a review of a large store never sits whole in memory; the --json document is therefore written here, and not
   * returned for oclif to print, as `tokens verify -` does with its stream.
   */
  async run(): Promise<ReviewResult | undefined> {
    const {flags} = await this.parse(Review)
    const context = await this.context(flags)
    const show = this.display()
    readReview(context, (review) => {
      if (this.jsonEnabled()) Document.jsonInParts(review).writeTo(process.stdout)
      else if (flags.format === 'markdown') this.printDocument(Document.markdownBlocks(reviewMarkdownBlocks(review)))
      else for (const section of renderReviewSections(review, show)) this.say(section)
    })
    return undefined
  }
}
