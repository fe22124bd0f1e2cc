// Topic selection and description shared by kafka-topics.sh and `samsa topic`.
import type { Admin, ConfigEntry, TopicDescription } from '../../client/index.js';
import { UsageError } from '../args.js';

export const ZERO_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/**
 * A topic name or regular expression as Kafka's tools take it (`--topic`, `--include`): commas
 * mean "or", spaces and surrounding quotes are dropped, and the whole name must match.
 */
export function topicPattern(raw: string): RegExp {
  const text = raw
    .trim()
    .replaceAll(',', '|')
    .replaceAll(' ', '')
    .replace(/^["']+/, '')
    .replace(/["']+$/, '');
  try {
    return new RegExp(`^(?:${text})$`);
  } catch {
    throw new UsageError(`${text} is an invalid regex.`);
  }
}

/** Names of the topics matching `pattern` (all when undefined), sorted; internal ones on request. */
export async function selectTopics(
  admin: Admin,
  pattern: string | undefined,
  includeInternal: boolean,
): Promise<string[]> {
  const all = await admin.listTopics({ includeInternal });
  if (pattern === undefined) return all;
  const re = topicPattern(pattern);
  return all.filter((t) => re.test(t));
}

export interface TopicDetails {
  description: TopicDescription;
  configs: ConfigEntry[];
}

/** Descriptions and configs of the named topics, in name order. */
export async function describeTopicDetails(admin: Admin, names: readonly string[]): Promise<TopicDetails[]> {
  if (names.length === 0) return [];
  const [descriptions, configs] = await Promise.all([
    admin.describeTopics(names),
    admin.describeConfigs(names.map((name) => ({ type: 'topic' as const, name }))),
  ]);
  const configsByName = new Map(configs.map((c) => [c.name, c.configs]));
  return descriptions
    .map((d) => ({
      description: { ...d, partitions: [...d.partitions].sort((a, b) => a.partition - b.partition) },
      configs: configsByName.get(d.name) ?? [],
    }))
    .sort((a, b) => (a.description.name < b.description.name ? -1 : 1));
}

/** `key=value` settings of a topic config flag (Kafka splits on '=' with spaces around it). */
export function parseTopicConfigs(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const parts = item.split(/\s*=\s*/);
    if (parts.length !== 2 || parts[0].trim() === '') {
      throw new UsageError(`invalid topic config '${item}': expected key=value`);
    }
    out[parts[0].trim()] = parts[1].trim();
  }
  return out;
}
