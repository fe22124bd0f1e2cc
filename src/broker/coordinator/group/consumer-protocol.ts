// Reads the topics out of a member's subscription when the group uses the "consumer" protocol type.
// Like Kafka, only the version-0 prefix of ConsumerProtocolSubscription is read (version int16,
// topics [string], user_data nullable bytes), which every later version starts with. Anything that
// does not parse gives null: the coordinator then does not know the subscribed topics.

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export function subscribedTopics(metadata: Buffer): string[] | null {
  let pos = 0;
  const need = (n: number) => pos + n <= metadata.length;
  if (!need(2)) return null;
  const version = metadata.readInt16BE(pos);
  pos += 2;
  if (version < 0 || !need(4)) return null;
  const count = metadata.readInt32BE(pos);
  pos += 4;
  if (count < 0 || count > metadata.length) return null;
  const topics: string[] = [];
  for (let i = 0; i < count; i++) {
    if (!need(2)) return null;
    const len = metadata.readInt16BE(pos);
    pos += 2;
    if (len < 0 || !need(len)) return null;
    topics.push(metadata.toString('utf8', pos, pos + len));
    pos += len;
  }
  if (!need(4)) return null;
  const userDataBytes = metadata.readInt32BE(pos);
  pos += 4;
  if (userDataBytes < -1 || (userDataBytes > 0 && !need(userDataBytes))) return null;
  return topics;
}
