import {UsageError} from '../errors.js'

/**
 * The bash and zsh completion scripts, as cobra, gh and kubectl write theirs: the script knows nothing of accessctl
 * but how to ask `accessctl __complete SHELL -- WORDS... CURRENT` and how to hand its answer to the shell, so the
 * commands, flags, fixed values and the names the caller may see all come from the program (src/core/completion.ts).
 *
 * A name in the store may hold anything an administrator allowed (an account named `x$(reboot)`), so the scripts
 * never evaluate what they are given: bash quotes each candidate with `printf %q` before readline inserts it, zsh's
 * compadd quotes what it inserts, and neither runs `eval`. Typed words reach `__complete` as arguments, never
 * through a shell string.
 */

export const SHELLS = ['bash', 'zsh'] as const
export type Shell = (typeof SHELLS)[number]

declare const shellScript: unique symbol
/** A completion script, built here only. */
export type ShellScript = string & {[shellScript]: true}

/** The program name becomes a shell function name: only a plain command name may. */
function functionName(bin: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(bin)) throw new UsageError(`cannot write a completion script for a program named '${bin}'`)
  return `_${bin.replaceAll('-', '_')}_complete`
}

export function completionScript(shell: Shell, bin: string): ShellScript {
  const name = functionName(bin)
  return (shell === 'bash' ? bashScript(bin, name) : zshScript(bin, name)) as ShellScript
}

function bashScript(bin: string, name: string): string {
  return String.raw`# bash completion for ${bin}: every candidate comes from '${bin} __complete'.
# Set up with:  eval "$(${bin} autocomplete script bash)"   (in ~/.bashrc)
${name}() {
  local cur=${'$'}{COMP_WORDS[COMP_CWORD]}
  local -a words=("${'$'}{COMP_WORDS[@]:1:COMP_CWORD-1}")
  # bash makes the '=' of --stage=Pro a word of its own: the value is what follows it.
  if [[ $cur == "=" ]]; then
    words+=("=")
    cur=""
  fi
  local typed=${'$'}{cur//\\/}
  local out
  out=$(command ${bin} __complete bash -- "${'$'}{words[@]}" "$typed" 2>/dev/null) || return 0
  COMPREPLY=()
  case ${'$'}{out%%$'\n'*} in
    :files)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$typed")
      return 0
      ;;
    :words) ;;
    *) return 0 ;;
  esac
  [[ $out == *$'\n'* ]] || return 0
  local line quoted
  while IFS= read -r line; do
    [[ -n $line ]] || continue
    # Quoted for the command line: a name is inserted as text, never as shell syntax.
    printf -v quoted '%q' "${'$'}{line%%$'\t'*}"
    COMPREPLY+=("$quoted")
  done <<<"${'$'}{out#*$'\n'}"
  # A candidate ending in / is the beginning of a word (can-i's service/): the cursor stays on it.
  if [[ ${'$'}{#COMPREPLY[@]} -eq 1 && ${'$'}{COMPREPLY[0]} == */ ]]; then
    compopt -o nospace 2>/dev/null
  fi
  return 0
}
complete -F ${name} ${bin}
`
}

function zshScript(bin: string, name: string): string {
  return String.raw`#compdef ${bin}
# zsh completion for ${bin}: every candidate comes from '${bin} __complete'.
# Set up with:  eval "$(${bin} autocomplete script zsh)"   (in ~/.zshrc)
${name}() {
  local out line value shown_line added=1
  local -a lines values shown open open_shown
  # (Q) takes the shell's quoting off the typed words, without evaluating them.
  out=$(command ${bin} __complete zsh -- "${'$'}{(@Q)words[2,CURRENT-1]}" "${'$'}{(Q)words[CURRENT]}" 2>/dev/null) || return 1
  lines=("${'$'}{(@f)out}")
  case ${'$'}{lines[1]} in
    :files) _files; return ;;
    :words) ;;
    *) return 1 ;;
  esac
  for line in "${'$'}{(@)lines[2,-1]}"; do
    [[ -n $line ]] || continue
    value=${'$'}{line%%$'\t'*}
    shown_line=$value
    [[ $line == *$'\t'* ]] && shown_line="$value  -- ${'$'}{line#*$'\t'}"
    # A candidate ending in / is the beginning of a word (can-i's service/): no space is added after it.
    if [[ $value == */ ]]; then
      open+=("$value")
      open_shown+=("$shown_line")
    else
      values+=("$value")
      shown+=("$shown_line")
    fi
  done
  # -U: ${bin} already chose what fits (prod finds Production); compadd quotes what it inserts.
  (( $#values )) && compadd -U -l -d shown -a values && added=0
  (( $#open )) && compadd -U -S '' -l -d open_shown -a open && added=0
  return added
}
if ! (( $+functions[compdef] )); then
  autoload -Uz compinit && compinit
fi
compdef ${name} ${bin}
`
}

/** The line that sets completion up, and the file it goes in. */
export function setupLine(shell: Shell, bin: string): {rcFile: string; line: string} {
  functionName(bin)
  return {rcFile: shell === 'bash' ? '~/.bashrc' : '~/.zshrc', line: `eval "$(${bin} autocomplete script ${shell})"`}
}
