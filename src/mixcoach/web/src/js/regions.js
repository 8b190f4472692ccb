// Which places of the findings the waveform paints, and where their labels go. A clipped master
// can list hundreds of runs a few milliseconds apart: painted as they come they cover the whole
// track and their labels pile up. So runs of one finding that touch are merged, only the longest
// are painted (within a share of the track), and the labels go in lanes, never overlapping; a
// label with no room left is only in the legend under the waveform.

/** Runs of one finding closer than this are one place on the waveform. */
const MERGE_GAP_S = 0.5;
/** At most this many places per finding are painted... */
const MAX_PAINTED = 8;
/** ...covering at most this share of the track together. */
const MAX_COVERAGE = 0.2;
/** Lanes of labels above the waveform. */
export const LABEL_LANES = 3;
/** Pixels between two labels in one lane. */
const LABEL_GAP_PX = 6;

/** `ranges` ({start_s, end_s}) sorted, with those that overlap or nearly touch joined. */
export function mergeRanges(ranges, gapS = MERGE_GAP_S) {
  const sorted = [...ranges].sort((a, b) => a.start_s - b.start_s);
  const merged = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.start_s - last.end_s <= gapS) last.end_s = Math.max(last.end_s, range.end_s);
    else merged.push({ start_s: range.start_s, end_s: range.end_s });
  }
  return merged;
}

/**
 * The places to paint for each local finding: [{finding, places, total}], where `places` are
 * its longest merged runs in time order and `total` how many merged runs it has. A range that
 * covers the whole track is not a place, so a finding with only that is left out.
 */
export function paintedFindings(findings, durationS) {
  const out = [];
  for (const finding of findings) {
    const local = finding.time_ranges.filter((r) => !(r.start_s <= 0.05 && r.end_s >= durationS - 0.05));
    if (!local.length) continue;
    const merged = mergeRanges(local);
    const budget = MAX_COVERAGE * durationS;
    let used = 0;
    const places = [];
    for (const run of [...merged].sort((a, b) => (b.end_s - b.start_s) - (a.end_s - a.start_s))) {
      if (places.length >= MAX_PAINTED) break;
      const length = run.end_s - run.start_s;
      if (places.length && used + length > budget) continue;
      // The first run is painted even when it is long, cut to the budget.
      places.push(length > budget ? { start_s: run.start_s, end_s: run.start_s + budget } : run);
      used += Math.min(length, budget);
    }
    places.sort((a, b) => a.start_s - b.start_s);
    out.push({ finding, places, total: merged.length });
  }
  return out;
}

/**
 * Lanes for labels [{x, width}] in pixels (any order): the lane (0..LABEL_LANES-1) of each,
 * or -1 when no lane has room, so no two labels in a lane overlap.
 */
export function labelLanes(labels) {
  const ends = Array(LABEL_LANES).fill(-Infinity);
  const lanes = Array(labels.length).fill(-1);
  const order = labels.map((_, i) => i).sort((a, b) => labels[a].x - labels[b].x);
  for (const i of order) {
    const lane = ends.findIndex((end) => end + LABEL_GAP_PX <= labels[i].x);
    if (lane < 0) continue;
    lanes[i] = lane;
    ends[lane] = labels[i].x + labels[i].width;
  }
  return lanes;
}
