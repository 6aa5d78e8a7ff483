/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { TimelineWindow } from "../timeline.js";

/** Links to the neighbouring pages of a timeline; absent where there is none. */
export interface TimelinePager {
  readonly first?: string;
  readonly earlier?: string;
  readonly later?: string;
  readonly latest?: string;
}

/** Where this page sits in a long history, and the ways to the pages around it. */
export function TimelinePagerNav({ pager, window, version }: { pager: TimelinePager; window: TimelineWindow; version: number }) {
  const to = Math.min(window.to, version);
  return (
    <nav class="pager" aria-label="Timeline pages">
      <span>
        Events {window.from} to {to} of {version}
      </span>
      {pager.first !== undefined && <a href={pager.first}>First events</a>}
      {pager.earlier !== undefined && (
        <a href={pager.earlier} rel="prev">
          Earlier events
        </a>
      )}
      {pager.later !== undefined && (
        <a href={pager.later} rel="next">
          Later events
        </a>
      )}
      {pager.latest !== undefined && <a href={pager.latest}>Latest events</a>}
    </nav>
  );
}
