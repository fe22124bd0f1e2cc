// Which process opened the other end of a loopback TCP connection. The fault proxy needs to know who
// connects to it: node 2 fetching from node 1 must be cut by a partition between 1 and 2, a client
// reaching node 1 must not. Kafka gives every peer the same advertised address, so the address cannot
// tell; the kernel can. /proc/net/tcp maps the peer's port to a socket inode, and /proc/<pid>/fd of
// the processes the lab started shows which of them holds that inode. No root is needed: the lab
// reads only its own children's descriptors. Linux only.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The socket inode of the loopback connection from `localPort` to `remotePort`, or null. */
export function socketInode(localPort: number, remotePort: number): number | null {
  const local = `0100007F:${localPort.toString(16).toUpperCase().padStart(4, '0')}`;
  const remote = `0100007F:${remotePort.toString(16).toUpperCase().padStart(4, '0')}`;
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return null;
  }
  for (const line of table.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    if (cols[1] === local && cols[2] === remote) {
      const inode = Number(cols[9]);
      return inode > 0 ? inode : null;
    }
  }
  return null;
}

/** Whether process `pid` has the socket `inode` open. */
export function ownsSocket(pid: number, inode: number): boolean {
  const wanted = `socket:[${inode}]`;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === wanted) return true;
    } catch {
      // The descriptor closed while we looked.
    }
  }
  return false;
}

/** The name of the registered process that opened the connection from `peerPort` to `ourPort`. */
export function ownerOf(
  peerPort: number,
  ourPort: number,
  processes: ReadonlyMap<string, number>,
): string | null {
  const inode = socketInode(peerPort, ourPort);
  if (inode === null) return null;
  for (const [name, pid] of processes) if (ownsSocket(pid, inode)) return name;
  return null;
}
