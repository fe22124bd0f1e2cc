// AlterConfigs (full replace) and IncrementalAlterConfigs (SET, DELETE, APPEND, SUBTRACT) on stored
// config overrides, with Kafka's checks. The result is the new override map to store, or an error with
// the kind of Kafka error to answer (INVALID_CONFIG or INVALID_REQUEST) and Kafka's message.

import type { BrokerConfig } from './broker-config.js';
import { checkDynamicBrokerConfigs, withDynamicConfigs } from './dynamic.js';
import { BROKER_CONFIGS, TOPIC_CONFIGS } from './registry.js';
import { validateTopicConfigs } from './topic-config.js';

export const AlterOpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
export type AlterOpName = keyof typeof AlterOpType;

export interface AlterOp {
  name: string;
  /** 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT (or the names). */
  op: number | AlterOpName;
  value: string | null;
}

/** What is altered: a topic, this broker (per-broker configs), or the cluster-wide broker default. */
export type AlterResource = 'topic' | 'broker' | 'broker-default';

export interface AlterContext {
  resource?: AlterResource;
  /** The running config: broker changes are tried on it, topic changes use its defaults. */
  broker?: BrokerConfig;
  /** Current stored configs of the other broker level, to try broker changes in full. */
  otherBrokerLevel?: Readonly<Record<string, string>>;
}

export type AlterResult =
  | { ok: true; configs: Record<string, string> }
  | { ok: false; errorKind: 'invalid-config' | 'invalid-request'; error: string };

const invalidRequest = (error: string): AlterResult => ({ ok: false, errorKind: 'invalid-request', error });
const invalidConfig = (error: string): AlterResult => ({ ok: false, errorKind: 'invalid-config', error });

function opName(op: number | AlterOpName): AlterOpName | null {
  if (typeof op === 'string') return op in AlterOpType ? op : null;
  return (Object.keys(AlterOpType) as AlterOpName[]).find((k) => AlterOpType[k] === op) ?? null;
}

/** Checks shared by both APIs (ConfigAdminManager.preprocess). */
function precheck(
  entries: readonly { name: string; value: string | null; op?: AlterOpName }[],
): AlterResult | null {
  const names = entries.map((e) => e.name);
  if (new Set(names).size !== names.length) return invalidRequest('Error due to duplicate config keys');
  const nulls = entries.filter((e) => e.value === null && e.op !== 'DELETE').map((e) => e.name);
  return nulls.length > 0 ? invalidRequest(`Null value not supported for : ${nulls.join(', ')}`) : null;
}

function defaultText(resource: AlterResource, name: string): string | null {
  const def = resource === 'topic' ? TOPIC_CONFIGS.get(name) : BROKER_CONFIGS.get(name);
  return def?.defaultText ?? null;
}

function isList(resource: AlterResource, name: string): boolean {
  const def = resource === 'topic' ? TOPIC_CONFIGS.get(name) : BROKER_CONFIGS.get(name);
  return def?.type === 'list';
}

/** Java's String.split: trailing empty strings are dropped, but a string without commas stays whole. */
function javaSplit(s: string): string[] {
  const parts = s.split(',');
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** APPEND / SUBTRACT on a list value (the stored value, else the default). */
function listOp(resource: AlterResource, op: 'APPEND' | 'SUBTRACT', base: string, value: string): string {
  const items =
    resource === 'topic' ? base.split(',').filter((s) => s !== '') : base === '' ? [] : javaSplit(base);
  for (const v of value.split(',')) {
    if (op === 'APPEND' && !items.includes(v)) items.push(v);
    if (op === 'SUBTRACT' && items.includes(v)) items.splice(items.indexOf(v), 1);
  }
  return items.join(',');
}

type Applied = { ok: true; configs: Record<string, string> } | { ok: false; result: AlterResult };

function listTypeError(resource: AlterResource, op: AlterOpName, name: string): AlterResult {
  return resource === 'topic'
    ? invalidConfig(`Can't ${op} to key ${name} because its type is not LIST.`)
    : invalidConfig(`Config value ${op.toLowerCase()} is not allowed for config key: ${name}`);
}

function applyOps(
  resource: AlterResource,
  current: Readonly<Record<string, string>>,
  ops: readonly AlterOp[],
): Applied {
  const next: Record<string, string> = { ...current };
  for (const o of ops) {
    const op = opName(o.op)!;
    if (op === 'SET') next[o.name] = o.value!;
    else if (op === 'DELETE') delete next[o.name];
    else if (!isList(resource, o.name)) return { ok: false, result: listTypeError(resource, op, o.name) };
    else next[o.name] = listOp(resource, op, next[o.name] ?? defaultText(resource, o.name) ?? '', o.value!);
  }
  return { ok: true, configs: next };
}

function checkTopic(configs: Record<string, string>, ctx: AlterContext): AlterResult {
  const errors = validateTopicConfigs(configs, ctx.broker?.get);
  return errors.length > 0 ? invalidConfig(errors[0]) : { ok: true, configs };
}

function checkBroker(
  configs: Record<string, string>,
  resource: AlterResource,
  ctx: AlterContext,
): AlterResult {
  const perBroker = resource === 'broker';
  const error = checkDynamicBrokerConfigs(new Map(Object.entries(configs)), perBroker);
  if (error) return invalidRequest(error);
  if (ctx.broker) {
    const other = ctx.otherBrokerLevel ?? {};
    const tried = withDynamicConfigs(
      ctx.broker,
      perBroker
        ? { perBroker: configs, clusterDefaults: other }
        : { clusterDefaults: configs, perBroker: other },
    );
    if (!tried.ok) return invalidRequest(tried.error);
  }
  return { ok: true, configs };
}

function finish(configs: Record<string, string>, resource: AlterResource, ctx: AlterContext): AlterResult {
  return resource === 'topic' ? checkTopic(configs, ctx) : checkBroker(configs, resource, ctx);
}

/** IncrementalAlterConfigs: applies the operations to the stored overrides `current`. */
export function applyIncrementalOps(
  current: Readonly<Record<string, string>>,
  ops: readonly AlterOp[],
  ctx: AlterContext = {},
): AlterResult {
  const resource = ctx.resource ?? 'topic';
  const unknown = ops.find((o) => opName(o.op) === null);
  if (unknown) return invalidRequest(`Unknown operations type ${unknown.op}`);
  const pre = precheck(ops.map((o) => ({ name: o.name, value: o.value, op: opName(o.op)! })));
  if (pre) return pre;
  const applied = applyOps(resource, current, ops);
  return applied.ok ? finish(applied.configs, resource, ctx) : applied.result;
}

/** AlterConfigs (the legacy API): the given configs replace all stored overrides. */
export function applyAlterConfigs(
  configs: Readonly<Record<string, string | null>>,
  ctx: AlterContext = {},
): AlterResult {
  const resource = ctx.resource ?? 'topic';
  const pre = precheck(Object.entries(configs).map(([name, value]) => ({ name, value })));
  if (pre) return pre;
  return finish({ ...(configs as Record<string, string>) }, resource, ctx);
}
