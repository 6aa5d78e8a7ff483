import { readFileSync } from "node:fs";

/** The parts of a V8 `.cpuprofile` (as `node --cpu-prof` writes it) the summary reads. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileLine {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  /** Sampled time outside idle, in ms. */
  readonly busyMs: number;
  /** Self time by function, highest first. */
  readonly functions: readonly ProfileLine[];
  /** Self time by where the code comes from (edd's folders, each dependency, Node itself, GC). */
  readonly areas: readonly ProfileLine[];
}

/** Self time per function and per area of a CPU profile; idle time is left out of every share. */
export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (frame === undefined || frame.functionName === "(idle)" || frame.functionName === "(program)") return;
    busy += us;
    const where = shortUrl(frame.url);
    const name = `${frame.functionName || "(anonymous)"} ${where === "" ? "" : `${where}:${frame.lineNumber + 1}`}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const area = areaOf(frame.functionName, frame.url);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  });
  const lines = (map: Map<string, number>, limit: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: Math.round((us / busy) * 1000) / 10 }));
  return { busyMs: Math.round(busy / 1000), functions: lines(byFunction, top), areas: lines(byArea, 20) };
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) return url.slice(modules + "node_modules/".length);
  const repo = url.search(/\/(core|adapters|runtimes|examples|bench)\//);
  return repo >= 0 ? url.slice(repo + 1) : url.replace(/^file:\/\//, "");
}

/** edd's top folders, each dependency by package, Node's own JavaScript, and V8's pseudo-frames. */
function areaOf(name: string, url: string): string {
  if (url === "") return name.startsWith("(") ? `V8 ${name}` : "native";
  if (url.startsWith("node:")) return "node internals";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const parts = url.slice(modules + "node_modules/".length).split("/");
    return (parts[0] ?? "").startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? "");
  }
  const match = /\/(core|adapters|runtimes|examples|bench)\/([^/]+)/.exec(url);
  return match === null ? url : `edd ${match[1]}/${match[2]}`;
}
