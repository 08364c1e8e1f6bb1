import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// CPU time of processes from /proc, in clock ticks (utime + stime).

function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: [0] is state, [1] ppid, [11] utime.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function numericEntries(directory: string): number[] {
  try {
    return readdirSync(directory)
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  } catch {
    return [];
  }
}

export function processTicks(pid: number): number | null {
  const fields = statFields(pid);
  return fields ? Number(fields[11]) + Number(fields[12]) : null;
}

/**
 * A PostgreSQL cluster: its postmaster (with the children it has reaped,
 * cutime + cstime: closed connections) and every live child (backends,
 * WAL writer, checkpointer…).
 */
export function clusterTicks(postmasterPid: number): number | null {
  const fields = statFields(postmasterPid);
  if (!fields) return null;
  let ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  for (const pid of numericEntries('/proc')) {
    const child = statFields(pid);
    if (child && Number(child[1]) === postmasterPid) ticks += Number(child[11]) + Number(child[12]);
  }
  return ticks;
}

export function parentPid(pid: number): number | null {
  const fields = statFields(pid);
  return fields ? Number(fields[1]) : null;
}

/** The pid of this user's process listening on a TCP port (e.g. the Kafka broker), if it can be seen. */
export function listeningPid(port: number): number | null {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; column 9 is the socket inode.
      if (columns.length > 9 && columns[3] === '0A' && parseInt(columns[1].split(':')[1], 16) === port) {
        inodes.add(`socket:[${columns[9]}]`);
      }
    }
  }
  if (inodes.size === 0) return null;
  for (const pid of numericEntries('/proc')) {
    for (const fd of numericEntries(`/proc/${pid}/fd`)) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return pid;
      } catch {
        // closed meanwhile, or not ours
      }
    }
  }
  return null;
}

export function machineTicks(): { busy: number; total: number } {
  const [, ...numbers] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const ticks = numbers.map(Number);
  const idle = ticks[3] + (ticks[4] ?? 0);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
}
