import {randomUUID} from 'node:crypto'

/** A uuid4 without dashes: 32 lowercase hex characters, the account id format of the seed. */
export function newId(): string {
  return randomUUID().replaceAll('-', '')
}

export function nowIso(): string {
  return new Date().toISOString()
}
