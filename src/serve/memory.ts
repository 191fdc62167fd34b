import {setFlagsFromString} from 'node:v8'

/**
 * serve's memory settings, so that a process stays within 100 MiB of resident memory under load with nothing set by
 * the user (`npm run bench:serve-memory`). Most of the growth under load is V8's young generation: V8 sizes its
 * semi-spaces from the machine's memory (up to 16 MiB each with Node 20, 32 MiB with Node 24's executable, on a
 * machine of 24 GiB), and request-sized garbage fills them.
 */

/**
 * V8 flags a worker of `serve --workers N` starts with. Heap sizes can only be set when a process starts, and
 * workers are started by serve, so they get real limits: semi-spaces of 2 MiB (a young generation of a few MiB:
 * scavenges are more frequent but each is as short, as little survives a request), and an old generation of at
 * most 96 MiB, four times what a worker keeps live, which above all makes V8 collect it before it grows to tens of
 * MiB of garbage (V8 scales how far the old generation grows between collections with its maximum, which it
 * otherwise takes from the machine's memory). A worker that would need more is killed by V8 and replaced, and the
 * log says so. They go through NODE_OPTIONS, which the single executable honours too (it takes the words of its
 * command line as its own arguments, never as Node's, so execArgv would not reach its V8); a user's own
 * NODE_OPTIONS come after them and win.
 */
export const WORKER_V8_FLAGS = ['--max-semi-space-size=2', '--max-old-space-size=96'] as const

/**
 * How far V8 lets the old generation grow past what a full collection left live, before the next one: 20%, where V8
 * would otherwise pick a factor of up to 2 or more from how fast it collects. Under load nearly everything promoted is a
 * request's garbage, so the live heap stays small and this is what bounds the growth. V8 reads the flag after every
 * full collection, so it takes effect at run time, in any process (NODE_OPTIONS does not accept it). Measured with
 * `npm run bench:serve-memory`: 122 -> 106 MiB for a single process, with no change in requests per second.
 */
const OLD_GENERATION_GROWTH = '--heap-growing-percent=20'

/**
 * The heap limits serve sets at run time. A worker started by serve has its heap sizes from WORKER_V8_FLAGS, and only
 * needs the old generation's growth bounded. A process serve did not start (the CLI's own, in a single process or as
 * the primary of workers) had its heap sizes fixed when it started: V8 reads the young generation's growth factor each
 * time it would grow it, so a factor of 1 keeps it at its initial size (1 MiB semi-spaces), at a few percent of CPU
 * per request in more frequent scavenges, and 10-30 MiB less under load.
 */
export function limitHeapGrowth(role: 'worker' | 'own-process'): void {
  setFlagsFromString(OLD_GENERATION_GROWTH)
  if (role === 'own-process') setFlagsFromString('--semi-space-growth-factor=1')
}
