import type {Command, Interfaces} from '@oclif/core'

/** What the build embeds for one oclif plugin: its package.json, its manifest and a loader per command id. */
export interface BundledPlugin {
  pjson: Interfaces.PJSON
  manifest: Interfaces.Manifest
  loaders: Record<string, () => Promise<unknown>>
}

/**
 * oclif options whose plugins are already built, so `Config.load` reads nothing from disk. A single executable
 * cannot let oclif discover plugins or `require` command files (even the `explicit` strategy requires its target
 * from disk). When `plugins` is given, @oclif/core 4 takes those as loaded and skips the root plugin's load and
 * every core/user/dev plugin lookup: that behaviour is internal, so package.json pins @oclif/core exactly and
 * test/sea/bundled-plugin.test.ts covers it.
 */
export function bundledLoadOptions(root: string, plugins: BundledPlugin[]): Interfaces.Options {
  const [rootPlugin, ...children] = plugins
  const built = [toOclifPlugin(rootPlugin, root, true), ...children.map((plugin) => toOclifPlugin(plugin, root, false))]
  return {root, pjson: rootPlugin.pjson, plugins: new Map(built.map((plugin) => [plugin.name, plugin]))}
}

/** A plugin whose command metadata comes from its manifest and whose classes are imported only when run. */
function toOclifPlugin(bundled: BundledPlugin, root: string, isRoot: boolean): Interfaces.Plugin {
  const {pjson, manifest, loaders} = bundled
  const {name, version} = pjson

  async function findCommand(id: string, options: {must?: boolean} = {}): Promise<Command.Class> {
    const load = loaders[id]
    if (!load) {
      if (options.must) throw new Error(`command ${id} not found in ${name}`)
      return undefined as unknown as Command.Class
    }

    const module = (await load()) as {default: Command.Class}
    const command = module.default
    command.id = id
    command.plugin = plugin
    return command
  }

  const plugin: Interfaces.Plugin = {
    _base: `${name}@${version}`,
    alias: name,
    commandIDs: Object.keys(manifest.commands),
    commands: Object.entries(manifest.commands).map(([id, cached]) => ({
      ...cached,
      pluginAlias: name,
      pluginType: 'core',
      load: () => findCommand(id, {must: true}),
    })),
    commandsDir: undefined,
    findCommand: findCommand as Interfaces.Plugin['findCommand'],
    hasManifest: true,
    hooks: {},
    isRoot,
    load: async () => {},
    moduleType: 'commonjs',
    name,
    options: {root, isRoot, name},
    pjson,
    root,
    topics: flattenTopics(pjson.oclif.topics),
    type: 'core',
    valid: true,
    version,
  }
  return plugin
}

type TopicTree = Interfaces.OclifConfiguration['topics']

/** `{tokens: {subtopics: {keys: ...}}}` becomes `tokens` and `tokens:keys`, as oclif's own Plugin reads them. */
function flattenTopics(tree: TopicTree, prefix = ''): Interfaces.Topic[] {
  return Object.entries(tree ?? {}).flatMap(([name, {subtopics, ...details}]) => [
    {...details, name: `${prefix}${name}`},
    ...flattenTopics(subtopics, `${prefix}${name}:`),
  ])
}
