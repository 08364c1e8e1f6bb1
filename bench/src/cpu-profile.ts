import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Reads the V8 CPU profiles that `node --cpu-prof` writes at exit and says
// where a process's CPU went during given windows: self time per function and
// per module (npm package, Node internals, the process's own code, GC).
// Windows are CLOCK_MONOTONIC microseconds, the clock of both V8's profile
// timestamps and process.hrtime, so any process on the machine can mark them.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Milliseconds of samples inside the windows, idle excluded (wall time: includes waiting for a core). */
  busyMs: number;
  /** False when no window overlapped the profile and the whole profile was used. */
  windowed: boolean;
  functions: { name: string; ms: number }[];
  modules: { name: string; ms: number }[];
}

/** Now on CLOCK_MONOTONIC, in microseconds. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The `.cpuprofile` files in `directory` by the pid in their name (CPU.<date>.<time>.<pid>.<tid>.<seq>). */
export function profilesByPid(directory: string): Map<number, string> {
  const byPid = new Map<number, string>();
  for (const file of readdirSync(directory)) {
    const match = /^CPU\.\d+\.\d+\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(file);
    if (match) byPid.set(Number(match[1]), join(directory, file));
  }
  return byPid;
}

/** Which package or part of the runtime a frame belongs to. */
function moduleOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1];
  const own = /\/(packages|services)\/([^/]+)\//.exec(url) ?? /\/(gateway|infra|bench)\//.exec(url);
  if (own) return own[2] ? `${own[1]}/${own[2]}` : own[1];
  return url;
}

function top(totals: Map<string, number>, count: number) {
  return [...totals]
    .sort(([, a], [, b]) => b - a)
    .slice(0, count)
    .map(([name, ms]) => ({ name, ms: Math.round(ms * 10) / 10 }));
}

/** Self time by function and by module over the samples taken inside `windows` ([from, to] µs). */
export function summarizeProfile(path: string, windows: [number, number][], count = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const overlaps = windows.some(([from, to]) => from < profile.endTime && to > profile.startTime);
  const inside = (at: number) => !overlaps || windows.some(([from, to]) => at >= from && at <= to);
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let busyMs = 0;
  let at = profile.startTime;
  for (let index = 0; index < profile.samples.length; index++) {
    at += profile.timeDeltas[index];
    // A sample stands for the time until the next one.
    const weightMs = (profile.timeDeltas[index + 1] ?? 0) / 1000;
    if (!inside(at)) continue;
    const frame = nodes.get(profile.samples[index])?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    busyMs += weightMs;
    const file = frame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(?=[^/]+\/[^/]+$)/, '');
    const name =
      `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + weightMs);
    const module = moduleOf(frame);
    modules.set(module, (modules.get(module) ?? 0) + weightMs);
  }
  return { busyMs, windowed: overlaps, functions: top(functions, count), modules: top(modules, count) };
}
