import {arch, platform, release} from 'node:os'

/**
 * `accessctl --version` without loading oclif: the same line oclif prints (Config#userAgent,
 * `name/version platform-arch node-vX`), which is most of the start-up time of this one command.
 */
export function versionLine(name: string, version: string): string {
  // oclif reports WSL as its own platform (wsl-utils looks for "microsoft" in the kernel release).
  const os = platform() === 'linux' && release().toLowerCase().includes('microsoft') ? 'wsl' : platform()
  const cpu = arch() === 'ia32' ? 'x86' : arch()
  return `${name}/${version} ${os}-${cpu} node-${process.version}`
}
