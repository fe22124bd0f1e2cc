// Topic, group and config-property filters as MirrorMaker 2's defaults define them: a
// comma-separated list of Java regular expressions, joined into one alternation that must match the
// whole name. An empty list matches nothing (so an empty exclude list excludes nothing).

export interface NameFilter {
  matches(name: string): boolean;
}

const NOTHING: NameFilter = { matches: () => false };

/** The list syntax of MirrorMaker's pattern configs: items split at commas with any spaces around. */
export function patternList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Compiles a pattern list. Java and JavaScript regular expressions agree on the syntax topic and
 * group patterns use; a pattern JavaScript cannot compile is an error naming it.
 */
export function compilePatterns(items: readonly string[], what: string): NameFilter | { error: string } {
  if (items.length === 0) return NOTHING;
  for (const item of items) {
    try {
      new RegExp(item);
    } catch (err) {
      return { error: `${what}: '${item}' is not a valid regular expression (${(err as Error).message})` };
    }
  }
  const re = new RegExp(`^(?:${items.join('|')})$`);
  return { matches: (name) => re.test(name) };
}

/** Include-minus-exclude, as DefaultTopicFilter and DefaultGroupFilter do. */
export function includeExclude(include: NameFilter, exclude: NameFilter): NameFilter {
  return { matches: (name) => include.matches(name) && !exclude.matches(name) };
}

export const TOPICS_DEFAULT = '.*';
export const TOPICS_EXCLUDE_DEFAULT = '.*[\\-\\.]internal, .*\\.replica, __.*';
export const GROUPS_DEFAULT = '.*';
export const GROUPS_EXCLUDE_DEFAULT = 'console-consumer-.*, connect-.*, __.*';
export const CONFIG_PROPERTIES_EXCLUDE_DEFAULT = [
  'follower\\.replication\\.throttled\\.replicas',
  'leader\\.replication\\.throttled\\.replicas',
  'message\\.timestamp\\.difference\\.max\\.ms',
  'message\\.timestamp\\.type',
  'unclean\\.leader\\.election\\.enable',
  'min\\.insync\\.replicas',
].join(', ');
