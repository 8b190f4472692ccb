// Following an analysis: the review's event stream (progress events carrying the job), read
// again from the plain job endpoint and resumed when the connection drops.

import { ApiError, getJson, streamEvents } from "./api.js";
import { byId, formatNumber } from "./dom.js";

const FINAL = new Set(["done", "failed"]);
const STAGES = {
  uploading: "Uploading",
  queued: "Waiting for a free worker",
  starting: "Starting",
  decoding: "Reading the audio",
  measuring: "Measuring the track",
  "measuring reference": "Measuring the reference",
  judging: "Comparing with the genre's targets",
  done: "Done",
  failed: "Failed",
};

export const isFinal = (job) => FINAL.has(job.state);

/** Resolve with the job once it is done or failed; `onProgress(job)` on every change. */
export async function followJob(reviewId, { onProgress, signal }) {
  for (let attempt = 0; ; attempt += 1) {
    let last = null;
    try {
      await streamEvents(`/api/reviews/${encodeURIComponent(reviewId)}/events`, {
        signal,
        onEvent: (event) => {
          if (event.event !== "progress") return;
          last = JSON.parse(event.data);
          onProgress(last);
        },
      });
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 0) throw err; // dropped: resume below
    }
    if (last && isFinal(last)) return last;
    const job = await getJson(`/api/reviews/${encodeURIComponent(reviewId)}/job`, { signal });
    onProgress(job);
    if (isFinal(job)) return job;
    await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * 2 ** attempt)));
  }
}

/** Show a job's stage and percent in the progress panel. */
export function showProgress(job) {
  const percent = Math.max(0, Math.min(100, job.progress_percent || 0));
  const stage = STAGES[job.stage] || job.stage.charAt(0).toUpperCase() + job.stage.slice(1);
  byId("progress-stage").textContent = `${stage} · ${formatNumber(percent, { decimals: 0 })}%`;
  byId("progress-bar").setAttribute("aria-valuenow", String(Math.round(percent)));
  byId("progress-bar").setAttribute("aria-valuetext", `${stage}, ${Math.round(percent)}%`);
  byId("progress-fill").style.width = `${percent}%`;
}
