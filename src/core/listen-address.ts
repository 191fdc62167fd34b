import {isIP} from 'node:net'

import {preview} from './names.js'
import {UsageError} from '../errors.js'

export interface ListenAddress {
  host: string
  port: number
}

export const DEFAULT_LISTEN = '127.0.0.1:8181'

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/**
 * `HOST:PORT` as `serve --listen` takes it: an IPv4 address, a host name, or an IPv6 address in brackets, and a
 * port from 0 (any free port) to 65535. The host is never implied: listening beyond loopback must be written out
 * (`0.0.0.0:8181`).
 */
export function parseListenAddress(text: string): ListenAddress {
  const fail = (why: string) =>
    new UsageError(`--listen '${preview(text)}' is not HOST:PORT: ${why}`, {
      hint: 'For example --listen 127.0.0.1:8181 (this machine only), 0.0.0.0:8181 (every interface) or [::1]:8181.',
    })
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text)
  if (!match) {
    if (/^[a-z]+:\/\//i.test(text)) throw fail('give the address without a scheme')
    throw fail(text.includes(':') ? 'the port must be a number' : 'a port is needed')
  }

  const [, bracketed, plain, portText] = match
  const port = Number(portText)
  if (port > 65_535) throw fail(`port ${port} is over 65535`)
  if (bracketed !== undefined) {
    if (isIP(bracketed) !== 6) throw fail(`'${preview(bracketed)}' in brackets is not an IPv6 address`)
    return {host: bracketed, port}
  }

  if (plain === '') throw fail('the host is missing (write 0.0.0.0 to listen on every interface)')
  if (isIP(plain) !== 4 && !(HOSTNAME.test(plain) && !/^[\d.]+$/.test(plain))) throw fail(`'${preview(plain)}' is not an IPv4 address or a host name`)
  return {host: plain, port}
}
