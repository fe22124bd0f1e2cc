// Opening clients for the tools. The client library is imported here, lazily, so a tool's `--help`
// never loads it (nor the compression codecs it pulls in).
import type { Admin, Consumer, ConsumerConfig, Producer, ProducerConfig } from '../../client/index.js';
import type { Props } from '../client-config.js';

export type ClientModule = typeof import('../../client/index.js');

let loaded: ClientModule | null = null;

export async function clientModule(): Promise<ClientModule> {
  loaded ??= await import('../../client/index.js');
  return loaded;
}

export async function openAdmin(settings: Props): Promise<Admin> {
  const { Admin } = await clientModule();
  return new Admin(settings);
}

export async function openProducer(settings: Props): Promise<Producer> {
  const { Producer } = await clientModule();
  return new Producer(settings as ProducerConfig);
}

export async function openConsumer(settings: Props): Promise<Consumer> {
  const { Consumer } = await clientModule();
  return new Consumer(settings as ConsumerConfig);
}

/** Runs `fn` with an admin client and closes it afterwards, whatever happens. */
export async function withAdmin<T>(settings: Props, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = await openAdmin(settings);
  try {
    return await fn(admin);
  } finally {
    await admin.close().catch(() => {});
  }
}
